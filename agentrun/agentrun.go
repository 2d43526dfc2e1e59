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
	"net"
	"os"
	"sync"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun/httpserver"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/pkg/flow"
	"github.com/grafana/agent/pkg/flow/logging"
	"github.com/grafana/agent/pkg/flow/tracing"
	"github.com/grafana/agent/service"
	"github.com/grafana/agent/service/labelstore"
	otelservice "github.com/grafana/agent/service/otel"
	"github.com/grafana/ckit/peer"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure an Agent.
type Options struct {
	// ListenAddr is the HTTP server's address, host:port. Default
	// 127.0.0.1:12345. Start binds it before anything else runs; port 0
	// binds a free port, which Agent.Addr names.
	ListenAddr string
	// ShutdownTimeout bounds Shutdown: the components' last flush, then
	// the server's requests in flight. If zero, DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
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
	// ReloadError is the text /-/reload answers and logs for a failed
	// reload. If nil, the error's own text.
	ReloadError func(error) string
	// EnablePProf serves /debug/pprof/ on the HTTP server, as upstream's
	// --server.http.enable-pprof (default true there).
	EnablePProf bool
	// Cluster joins the agent to a cluster; the zero value runs it alone.
	Cluster ClusterOptions
}

// pprofUsage is the help of the --server.http.enable-pprof flag.
const pprofUsage = "serve Go's profiling endpoints at /debug/pprof/ on the HTTP server"

// DefaultShutdownTimeout is well under Kubernetes' default grace period
// of 30 s, so that an agent in a rollout exits before it is killed.
const DefaultShutdownTimeout = 20 * time.Second

// Agent is a running controller.
type Agent struct {
	Flow     *flow.Flow
	Registry *prometheus.Registry
	// Addr is the address the HTTP server listens on (with the port bound
	// when ListenAddr asked for port 0).
	Addr string

	http            *httpserver.Service
	shutdownTimeout time.Duration
	log             *logging.Logger
	cancel          context.CancelFunc
	flowDone        chan struct{}
	stopOnce        sync.Once
	stopErr         error

	loadMu   sync.Mutex
	loaded   *flow.Source // the last source loaded without error
	stopping bool         // Shutdown began: loads are refused
}

// Start builds the services and the controller, starts them, and performs
// the first load. ctx bounds the start (the first load, joining the
// cluster), not the agent: it runs until Shutdown.
func Start(ctx context.Context, o Options) (*Agent, error) {
	o.setDefaults()
	logger, err := o.logger()
	if err != nil {
		return nil, err
	}
	// The address first: an agent whose server someone else holds would
	// run with no API, no /metrics and a gateway_url pointing at the other
	// process.
	lis, addr, err := httpserver.Listen(o.ListenAddr)
	if err != nil {
		return nil, err
	}
	a, err := o.start(ctx, logger, lis, addr)
	if err != nil {
		_ = lis.Close()
	}
	return a, err
}

func (o *Options) start(ctx context.Context, logger *logging.Logger, lis net.Listener, addr string) (*Agent, error) {
	if err := registerAgentMetrics(o.Registry, logger); err != nil {
		return nil, fmt.Errorf("registering the agent's own metrics: %w", err)
	}
	tracer, err := tracing.New(tracing.DefaultOptions)
	if err != nil {
		return nil, err
	}

	var f *flow.Flow
	clusterService, err := newClusterService(o.Cluster, addr, logger, o.Registry, tracer)
	if err != nil {
		return nil, err
	}
	var a *Agent
	httpService := o.httpService(logger, lis, addr, func() *flow.Flow { return f }, func() (*flow.Source, error) { return a.Load(o.Load) })
	f = flow.New(flow.Options{
		Logger:   logger,
		Tracer:   tracer,
		DataPath: o.StoragePath,
		Reg:      o.Registry,
		Services: []service.Service{
			httpService,
			newUIService(o.UIPrefix, o.UIAssets),
			clusterService,
			otelservice.New(logger),
			labelstore.New(logger, o.Registry),
		},
	})

	// Not ctx's child: a signal that ends ctx starts Shutdown, which
	// stops the components in order before it cancels the controller.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a = &Agent{Flow: f, Registry: o.Registry, Addr: addr, http: httpService, shutdownTimeout: o.ShutdownTimeout,
		log: logger, cancel: cancel, flowDone: make(chan struct{})}
	go func() {
		defer close(a.flowDone)
		f.Run(runCtx)
	}()
	if o.Load == nil {
		return a, nil
	}
	if _, err := a.Load(o.Load); err != nil {
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

// httpService serves lis as upstream's HTTP service would, with /-/ready
// and /-/reload on flowOf's controller. Beside it run upstream run's UI,
// cluster, otel and label store services.
func (o *Options) httpService(logger *logging.Logger, lis net.Listener, addr string, flowOf func() *flow.Flow, reload func() (*flow.Source, error)) *httpserver.Service {
	return httpserver.New(httpserver.Options{
		Listener:   lis,
		ListenAddr: addr,
		Logger:     logger,
		Gatherer:   o.Registry,
		ReadyFunc: func() bool {
			f := flowOf()
			return f != nil && f.Ready()
		},
		ReloadFunc:  reload,
		ReloadError: o.ReloadError,
		// Exporters' targets are scraped over this in-memory address.
		MemoryListenAddr: "agent.internal:12345",
		EnablePProf:      o.EnablePProf,
	})
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
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
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

// Load reads a configuration with read and loads it: the first load, a
// reload. After Shutdown began it refuses.
func (a *Agent) Load(read func() (*flow.Source, error)) (*flow.Source, error) {
	if read == nil {
		return nil, errors.New("no configuration to reload")
	}
	src, err := read()
	if err != nil {
		return nil, err
	}
	a.loadMu.Lock()
	defer a.loadMu.Unlock()
	if a.stopping {
		return nil, errors.New("the agent is shutting down: the configuration is not loaded")
	}
	if err := a.loadSource(src); err != nil {
		return src, err
	}
	a.loaded = src
	a.tellWriters()
	return src, nil
}

// loadSource is every load of the root configuration: the router is
// told of it, loaded or not, for the components it kept may be gone.
func (a *Agent) loadSource(src *flow.Source) error {
	err := a.Flow.LoadSource(src, nil)
	a.http.ComponentsLoaded()
	return err
}

// Stop is Shutdown, for callers with nothing to say about what was lost.
func (a *Agent) Stop() { _ = a.Shutdown() }

// Shutdown ends the agent in the order that loses nothing: the components
// stop in the order telemetry flows through them (drain), each flushing
// into a downstream that still runs — remote_write, loki.write and the
// otelcol exporters send what they hold, through the signing gateway,
// whose server is still up — then the controller stops what is left, and
// only then the HTTP server closes. All of it
// within ShutdownTimeout: past it the server closes anyway, and the error
// says that components were still sending. Later calls return the first
// call's answer.
func (a *Agent) Shutdown() error {
	a.stopOnce.Do(func() { a.stopErr = a.shutdown() })
	return a.stopErr
}

func (a *Agent) shutdown() error {
	deadline := time.Now().Add(a.shutdownTimeout)
	a.loadMu.Lock()
	a.stopping = true
	src := a.loaded
	a.loadMu.Unlock()
	if src != nil {
		if err := a.drain(src, deadline); err != nil {
			level.Warn(a.log).Log("msg", "shutdown: stopping what is left at once", "err", err)
		}
	}
	a.cancel()
	// What drain left of the bound, and at least a second for what remains
	// (aws.auth, the services) to stop.
	timer := time.NewTimer(time.Until(later(deadline, time.Now().Add(time.Second))))
	defer timer.Stop()
	var err error
	select {
	case <-a.flowDone:
	case <-timer.C:
		err = fmt.Errorf("components were still sending %s after the shutdown began (--shutdown.timeout): what they held is not delivered", a.shutdownTimeout)
		level.Error(a.log).Log("msg", "shutdown: "+err.Error())
	}
	// What is left of the bound goes to requests in flight (at least a
	// second, so a late flush can finish its request).
	ctx, cancel := context.WithDeadline(context.Background(), later(deadline, time.Now().Add(time.Second)))
	defer cancel()
	_ = a.http.Close(ctx)
	return err
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// SourceFromFile reads a River file.
func SourceFromFile(path string) (*flow.Source, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return flow.ParseSource(path, b)
}
