// Package democmd is `aws-agent demo`: a fake AWS on loopback and an agent
// running examples/demo.river against it, reporting what each signal
// delivered. It needs no AWS account and no network.
package democmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/examples"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
	"github.com/grafana/agent/pkg/flow"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// errUndelivered is returned when, by the end of --duration, a request was
// rejected or a signal delivered nothing.
var errUndelivered = errors.New("the demo did not deliver every signal")

// flags are the demo's command line.
type flags struct {
	server                 agentrun.ServerFlags
	duration, every, grace time.Duration
	ttl                    time.Duration
	source                 string
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.server.RegisterFlags(fs)
	fs.DurationVar(&f.duration, "duration", 0, "stop after this long, failing if any request was rejected or any signal delivered nothing (0: run until interrupted)")
	fs.DurationVar(&f.every, "report-every", 3*time.Second, "how often to print the report")
	fs.DurationVar(&f.grace, "grace", 15*time.Second, "with --duration: how long to wait afterwards for signals still on their way")
	fs.DurationVar(&f.ttl, "credentials-ttl", time.Minute, "lifetime of the credentials the fake STS issues, to watch refreshes")
	fs.StringVar(&f.source, "source", "static", "where the demo's credentials come from: static (keys, then AssumeRole) or roles-anywhere (an X.509 certificate made at start)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if err := f.server.Validate(); err != nil {
		return f, err
	}
	if f.source != "static" && f.source != "roles-anywhere" {
		return f, fmt.Errorf("--source: want static or roles-anywhere, got %q", f.source)
	}
	return f, nil
}

// Run is `aws-agent demo`.
func Run(args []string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	assets, err := f.server.UIAssets(stderr, "aws-agent demo:")
	if err != nil {
		return err
	}
	d, err := setUp(f)
	// On the way out the agent gets --shutdown.timeout to flush through
	// the gateway, which stays up until then.
	defer d.close()
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, err := flow.ParseSource("examples/demo.river", d.config)
	if err != nil {
		return err
	}
	d.agent, err = agentrun.Start(ctx, agentrun.Options{
		ListenAddr:      f.server.ListenAddr,
		ShutdownTimeout: f.server.ShutdownTimeout,
		StoragePath:     filepath.Join(d.dir, "data"),
		LogWriter:       io.Discard,
		UIAssets:        assets,
		EnablePProf:     f.server.EnablePProf,
		Load:            func() (*flow.Source, error) { return src, nil },
	})
	if err != nil {
		return fmt.Errorf("loading the demo: %w", err)
	}
	fmt.Fprintf(stdout, "aws-agent demo: a fake AWS on loopback, the agent on http://%s (UI: http://%s/component/aws.auth.demo)\n", d.agent.Addr, d.agent.Addr)
	return d.feedAndReport(ctx, f, stdout)
}

// demo is a running demo: the fake AWS, the agent's files and environment,
// the configuration it runs, the agent once started.
type demo struct {
	aws      *receivers.FakeAWS
	dir      string
	logFile  string
	otlpAddr string
	config   []byte
	agent    *agentrun.Agent
	stopRA   func()
}

// setUp starts the fake AWS and prepares what demo.river reads: its
// environment, the log file it tails, the OTLP address, and with
// --source roles-anywhere a certificate and a fake IAM Roles Anywhere.
func setUp(f flags) (*demo, error) {
	d := &demo{aws: receivers.StartDemoAWS(), config: examples.Demo}
	d.aws.STS.TTL = f.ttl
	var err error
	if d.dir, err = os.MkdirTemp("", "aws-agent-demo-"); err != nil {
		return d, err
	}
	d.logFile = filepath.Join(d.dir, "app.log")
	if err := os.WriteFile(d.logFile, nil, 0o600); err != nil {
		return d, err
	}
	if d.otlpAddr, err = freeAddr(); err != nil {
		return d, err
	}
	env := receivers.DemoEnv{
		AccessKeyID: receivers.DemoAccessKeyID, SecretAccessKey: receivers.DemoSecretAccessKey,
		STSEndpoint: d.aws.STSURL, ProxyURL: d.aws.Proxy.URL, CAPEM: d.aws.Server.CAPEM,
		LogFile: d.logFile, OTLPListen: d.otlpAddr,
	}
	for _, kv := range env.Vars() {
		name, value, _ := strings.Cut(kv, "=")
		os.Setenv(name, value)
	}
	if f.source == "roles-anywhere" {
		d.config, d.stopRA, err = rolesAnywhere(d.aws, d.dir, d.config)
	}
	return d, err
}

func (d *demo) close() {
	if d.agent != nil {
		d.agent.Stop()
	}
	if d.stopRA != nil {
		d.stopRA()
	}
	d.aws.Close()
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// feedAndReport plays the applications until --duration (or an
// interrupt) and prints the report every --report-every; with --duration,
// it fails unless every signal arrived and nothing was rejected.
func (d *demo) feedAndReport(ctx context.Context, f flags, stdout io.Writer) error {
	// The feeders stop at --duration; the agent runs on while the last
	// signals land.
	feed := ctx
	if f.duration > 0 {
		var cancel context.CancelFunc
		feed, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	go appendLogLines(feed, d.logFile)
	go sendOTLP(feed, "http://"+d.otlpAddr)

	r := &reporter{aws: d.aws, agent: d.agent, out: stdout, ui: "http://" + d.agent.Addr}
	ticker := time.NewTicker(f.every)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			r.report()
		case <-feed.Done():
			problems := r.report()
			// remote_write reads its WAL every 15s: give what is on its way
			// a moment to land before judging.
			for drain := time.Now().Add(f.grace); len(problems) > 0 && f.duration > 0 && ctx.Err() == nil && time.Now().Before(drain); {
				fmt.Fprintf(stdout, "waiting up to %s for every signal to arrive\n", time.Until(drain).Round(time.Second))
				time.Sleep(2 * time.Second)
				problems = r.report()
			}
			if f.duration > 0 && len(problems) > 0 {
				return fmt.Errorf("%w after --duration %s and --grace %s: %s (the agent's health: the credentials line above)",
					errUndelivered, f.duration, f.grace, strings.Join(problems, "; "))
			}
			return nil
		}
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// appendLogLines plays an application writing a log file.
func appendLogLines(ctx context.Context, path string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer f.Close()
	for i := 0; ; i++ {
		fmt.Fprintf(f, "%s level=info msg=\"demo request handled\" n=%d\n", time.Now().UTC().Format(time.RFC3339Nano), i)
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// sendOTLP plays an instrumented application sending spans and log records.
func sendOTLP(ctx context.Context, base string) {
	for i := 0; ; i++ {
		traces := ptrace.NewTraces()
		span := traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetName(fmt.Sprintf("GET /checkout/%d", i))
		span.SetTraceID([16]byte{0xde, 0x30, byte(i >> 8), byte(i)})
		span.SetSpanID([8]byte{0x5a, byte(i >> 8), byte(i)})
		logs := plog.NewLogs()
		logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(fmt.Sprintf("checkout %d done", i))
		tb, _ := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
		lb, _ := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
		post(ctx, base+"/v1/traces", tb)
		post(ctx, base+"/v1/logs", lb)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func post(ctx context.Context, url string, body []byte) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}
