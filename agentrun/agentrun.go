// Package agentrun runs a Grafana Agent Flow controller with the services
// the agent's own `run` command wires (http, ui, cluster, otel, labelstore)
// and the metrics it exposes about itself (Go, process, agent_build_info,
// agent_resources_*), from public packages: the upstream flowmode package
// is internal. The
// aws-agent binary and the end-to-end tests both start agents through it.
package agentrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/grafana/agent/pkg/flow"
	"github.com/grafana/agent/pkg/flow/logging"
	"github.com/grafana/agent/pkg/flow/tracing"
	"github.com/grafana/agent/service"
	"github.com/grafana/agent/service/cluster"
	httpservice "github.com/grafana/agent/service/http"
	"github.com/grafana/agent/service/labelstore"
	otelservice "github.com/grafana/agent/service/otel"
	"github.com/grafana/ckit/peer"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure an Agent.
type Options struct {
	// ListenAddr is the HTTP server's address, host:port. Default 127.0.0.1:12345.
	ListenAddr string
	// StoragePath is where components keep their data (WALs, positions).
	StoragePath string
	// LogWriter receives the logs; default stderr. LogLevel: debug, info, warn, error.
	LogWriter io.Writer
	LogLevel  string
	// Registry collects every metric; default a new registry.
	Registry *prometheus.Registry
	// UIPrefix is where the UI is served. Default "/".
	UIPrefix string
	// UIAssets are the UI's built assets (flowui.Assets); without them the
	// UI's API works and its pages say how to build them.
	UIAssets fs.FS
	// Load reads the configuration, for the first load and for /-/reload.
	Load func() (*flow.Source, error)
	// EnablePProf serves /debug/pprof/ on the HTTP server, as upstream's
	// --server.http.enable-pprof (default true there).
	EnablePProf bool
	// Cluster joins the agent to a cluster; the zero value runs it alone.
	Cluster ClusterOptions
}

// pprofUsage is the help of the --server.http.enable-pprof flag.
const pprofUsage = "serve Go's profiling endpoints at /debug/pprof/ on the HTTP server"

// Agent is a running controller.
type Agent struct {
	Flow     *flow.Flow
	Registry *prometheus.Registry
	Addr     string

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start builds the services and the controller, starts them, and performs
// the first load. Stop ends them.
func Start(ctx context.Context, o Options) (*Agent, error) {
	o.setDefaults()
	logger, err := o.logger()
	if err != nil {
		return nil, err
	}
	if err := registerAgentMetrics(o.Registry, logger); err != nil {
		return nil, fmt.Errorf("registering the agent's own metrics: %w", err)
	}
	tracer, err := tracing.New(tracing.DefaultOptions)
	if err != nil {
		return nil, err
	}

	var f *flow.Flow
	clusterService, err := newClusterService(o.Cluster, o.ListenAddr, logger, o.Registry, tracer)
	if err != nil {
		return nil, err
	}
	f = flow.New(flow.Options{
		Logger:   logger,
		Tracer:   tracer,
		DataPath: o.StoragePath,
		Reg:      o.Registry,
		Services: o.services(logger, tracer, clusterService, func() *flow.Flow { return f }),
	})

	runCtx, cancel := context.WithCancel(ctx)
	a := &Agent{Flow: f, Registry: o.Registry, Addr: o.ListenAddr, cancel: cancel}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f.Run(runCtx)
	}()
	if o.Load == nil {
		return a, nil
	}
	if _, err := load(f, o.Load); err != nil {
		a.Stop()
		return nil, err
	}
	// As upstream: a node joins as a viewer and takes its share of the
	// work once its configuration has loaded.
	if err := clusterService.ChangeState(ctx, peer.StateParticipant); err != nil {
		a.Stop()
		return nil, fmt.Errorf("joining the cluster as a participant: %w", err)
	}
	return a, nil
}

// services are upstream run's: HTTP (with /-/ready and /-/reload on
// flowOf's controller), UI, cluster, otel, label store.
func (o *Options) services(logger *logging.Logger, tracer *tracing.Tracer, clusterService *cluster.Service, flowOf func() *flow.Flow) []service.Service {
	httpService := httpservice.New(httpservice.Options{
		Logger:   logger,
		Tracer:   tracer,
		Gatherer: o.Registry,
		ReadyFunc: func() bool {
			f := flowOf()
			return f != nil && f.Ready()
		},
		ReloadFunc:     func() (*flow.Source, error) { return load(flowOf(), o.Load) },
		HTTPListenAddr: o.ListenAddr,
		// Exporters' targets are scraped over this in-memory address.
		MemoryListenAddr: "agent.internal:12345",
		EnablePProf:      o.EnablePProf,
	})
	return []service.Service{
		httpService,
		newUIService(o.UIPrefix, o.UIAssets),
		clusterService,
		otelservice.New(logger),
		labelstore.New(logger, o.Registry),
	}
}

func (o *Options) setDefaults() {
	if o.ListenAddr == "" {
		o.ListenAddr = "127.0.0.1:12345"
	}
	if o.LogWriter == nil {
		o.LogWriter = os.Stderr
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.UIPrefix == "" {
		o.UIPrefix = "/"
	}
}

// logger writes logfmt at LogLevel (default info), as upstream's.
func (o *Options) logger() (*logging.Logger, error) {
	level := logging.LevelInfo
	if o.LogLevel != "" {
		if err := level.UnmarshalText([]byte(o.LogLevel)); err != nil {
			return nil, fmt.Errorf("log level: %w", err)
		}
	}
	return logging.New(o.LogWriter, logging.Options{Level: level, Format: logging.FormatLogfmt})
}

func load(f *flow.Flow, read func() (*flow.Source, error)) (*flow.Source, error) {
	if read == nil {
		return nil, errors.New("no configuration to reload")
	}
	src, err := read()
	if err != nil {
		return nil, err
	}
	return src, f.LoadSource(src, nil)
}

// Stop ends the controller and its services and waits for them.
func (a *Agent) Stop() {
	a.cancel()
	a.wg.Wait()
}

// SourceFromFile reads a River file.
func SourceFromFile(path string) (*flow.Source, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return flow.ParseSource(path, b)
}
