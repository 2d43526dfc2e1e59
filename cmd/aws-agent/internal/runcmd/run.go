// Package runcmd is `aws-agent run`: an agent on a configuration file,
// reloaded on SIGHUP, as upstream's run.
package runcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/agentrun/riverdiag"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/flagset"
	"github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
	"github.com/grafana/agent/component"
	"github.com/grafana/agent/pkg/flow"
)

// Run is `aws-agent run`.
func Run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var server agentrun.ServerFlags
	server.RegisterFlags(fs)
	storage := fs.String("storage.path", "data-agent/", "where components keep their data (WALs, positions)")
	logLevel := fs.String("log.level", "info", "log level: debug, info, warn, error")
	clusterOpts := agentrun.DefaultClusterOptions
	clusterOpts.RegisterFlags(fs)
	files, err := flagset.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("run takes one configuration file: aws-agent run [flags] CONFIG.river (flags before or after it)")
	}
	path := files[0]
	if err := server.Validate(); err != nil {
		return err
	}
	assets, err := server.UIAssets(stderr, "aws-agent:")
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l := &loader{path: path, stderr: stderr}
	agent, err := agentrun.Start(ctx, agentrun.Options{
		ListenAddr:      server.ListenAddr,
		ShutdownTimeout: server.ShutdownTimeout,
		StoragePath:     *storage,
		LogLevel:        *logLevel,
		UIAssets:        assets,
		EnablePProf:     server.EnablePProf,
		Cluster:         clusterOpts,
		Load:            l.load,
		ReloadError:     l.reloadError,
	})
	if err != nil {
		return exitstatus.New(1, l.report(err))
	}
	fmt.Fprintf(stderr, "aws-agent: listening on http://%s (UI at /, reload with POST /-/reload)\n", agent.Addr)
	go reportAWSAuth(ctx, stderr, agent)

	reloadOnHUP(ctx, agent, l)
	fmt.Fprintf(stderr, "aws-agent: shutting down: components send what they hold (at most %s)\n", server.ShutdownTimeout)
	if err := agent.Shutdown(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(stderr, "aws-agent: stopped")
	return nil
}

// reloadOnHUP reloads the configuration file on SIGHUP until ctx ends; a
// configuration that fails keeps the running one.
func reloadOnHUP(ctx context.Context, agent *agentrun.Agent, l *loader) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if _, err := agent.Load(l.load); err != nil {
				l.report(err)
				fmt.Fprintln(l.stderr, "aws-agent: reload failed; the running configuration stays")
			} else {
				fmt.Fprintln(l.stderr, "aws-agent: configuration reloaded")
			}
		}
	}
}

// loader reads the configuration file, for the first load and every
// reload, and describes what is wrong with it without its secrets.
type loader struct {
	path   string
	stderr io.Writer

	mu  sync.Mutex
	src *flow.Source // the last one read, parsed or not
	raw []byte
}

// report says what is wrong once: the diagnostics at the lines they point
// at, or, when err has none, one line. It returns err's text, redacted.
func (l *loader) report(err error) string {
	text, printed := l.describe(err)
	if !printed {
		fmt.Fprintln(l.stderr, "aws-agent:", text)
	}
	return text
}

// reloadError is /-/reload's answer and log line; the diagnostics go to
// stderr as a SIGHUP's do.
func (l *loader) reloadError(err error) string {
	text, _ := l.describe(err)
	return text
}

func (l *loader) load() (*flow.Source, error) {
	b, err := os.ReadFile(l.path)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.raw, l.src = b, nil
	l.mu.Unlock()
	src, err := flow.ParseSource(l.path, b)
	l.mu.Lock()
	l.src = src
	l.mu.Unlock()
	return src, err
}

// describe prints err's diagnostics, with the source lines they point at
// and the file's secret literals shown as "(secret)", and returns its text
// redacted the same way; printed says whether there were diagnostics to
// print.
func (l *loader) describe(err error) (text string, printed bool) {
	l.mu.Lock()
	files := map[string][]byte{l.path: l.raw}
	if l.src != nil {
		files = l.src.RawConfigs()
	}
	l.mu.Unlock()
	return riverdiag.Redact(files).Fprint(l.stderr, err)
}

// reportAWSAuth names each aws.auth instance and, once its first refresh is
// done, where its credentials come from.
func reportAWSAuth(ctx context.Context, stderr io.Writer, agent *agentrun.Agent) {
	infos, err := agent.Flow.ListComponents("", component.InfoOptions{})
	if err != nil {
		return
	}
	for _, info := range infos {
		if info.ComponentName != "aws.auth" {
			continue
		}
		id := info.ID
		deadline := time.Now().Add(15 * time.Second)
		for {
			i, err := agent.Flow.GetComponent(id, component.InfoOptions{GetHealth: true, GetDebugInfo: true})
			if err != nil {
				break
			}
			// Resolved once the first refresh has finished, well or not.
			d, ok := i.DebugInfo.(auth.DebugInfo)
			if ok && d.Refreshes > 0 || time.Now().After(deadline) {
				fmt.Fprintf(stderr, "aws-agent: %s: %s: %s\n", id, i.Health.Health, i.Health.Message)
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}
