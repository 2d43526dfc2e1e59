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
	"syscall"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/flagset"
	"github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
	"github.com/grafana/agent/component"
	"github.com/grafana/agent/pkg/flow"
	"github.com/grafana/river/diag"
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
	assets, err := server.UIAssets(stderr, "aws-agent:")
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var src *flow.Source
	agent, err := agentrun.Start(ctx, agentrun.Options{
		ListenAddr:  server.ListenAddr,
		StoragePath: *storage,
		LogLevel:    *logLevel,
		UIAssets:    assets,
		EnablePProf: server.EnablePProf,
		Cluster:     clusterOpts,
		Load: func() (*flow.Source, error) {
			s, err := agentrun.SourceFromFile(path)
			src = s
			return s, err
		},
	})
	if err != nil {
		printDiagnostics(stderr, src, err)
		return fmt.Errorf("loading %s: %w", path, err)
	}
	defer agent.Stop()
	fmt.Fprintf(stderr, "aws-agent: listening on http://%s (UI at /, reload with POST /-/reload)\n", server.ListenAddr)
	go reportAWSAuth(ctx, stderr, agent)

	reloadOnHUP(ctx, agent, path, stderr)
	return nil
}

// reloadOnHUP reloads the configuration file on SIGHUP until ctx ends; a
// configuration that fails keeps the running one.
func reloadOnHUP(ctx context.Context, agent *agentrun.Agent, path string, stderr io.Writer) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			s, err := agentrun.SourceFromFile(path)
			if err == nil {
				err = agent.Flow.LoadSource(s, nil)
			}
			if err != nil {
				printDiagnostics(stderr, s, err)
				fmt.Fprintln(stderr, "aws-agent: reload failed:", err)
			} else {
				fmt.Fprintln(stderr, "aws-agent: configuration reloaded")
			}
		}
	}
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

func printDiagnostics(stderr io.Writer, src *flow.Source, err error) {
	var diags diag.Diagnostics
	if src == nil || !errors.As(err, &diags) {
		return
	}
	_ = diag.NewPrinter(diag.PrinterConfig{ContextLinesBefore: 1, ContextLinesAfter: 1}).Fprint(stderr, src.RawConfigs(), diags)
}
