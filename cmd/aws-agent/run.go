package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/flagset"
	"github.com/flow-aws-auth/flow-aws-auth/flowui"
	"github.com/grafana/agent/component"
	"github.com/grafana/agent/pkg/flow"
	"github.com/grafana/river/diag"
)

func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	listen := fs.String("server.http.listen-addr", "127.0.0.1:12345", "address the HTTP server (UI, API, /metrics, the aws.auth gateway) listens on")
	storage := fs.String("storage.path", "data-agent/", "where components keep their data (WALs, positions)")
	logLevel := fs.String("log.level", "info", "log level: debug, info, warn, error")
	uiDir := fs.String("ui.assets-dir", "", flowui.AssetsDirUsage)
	pprof := fs.Bool("server.http.enable-pprof", true, agentrun.PProfUsage)
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
	assets, err := flowui.Assets(*uiDir)
	if err != nil {
		return err
	}
	if assets == nil {
		fmt.Fprintln(os.Stderr, "aws-agent:", flowui.NoAssets)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var src *flow.Source
	agent, err := agentrun.Start(ctx, agentrun.Options{
		ListenAddr:  *listen,
		StoragePath: *storage,
		LogLevel:    *logLevel,
		UIAssets:    assets,
		EnablePProf: *pprof,
		Cluster:     clusterOpts,
		Load: func() (*flow.Source, error) {
			s, err := agentrun.SourceFromFile(path)
			src = s
			return s, err
		},
	})
	if err != nil {
		printDiagnostics(src, err)
		return fmt.Errorf("loading %s: %w", path, err)
	}
	defer agent.Stop()
	fmt.Fprintf(os.Stderr, "aws-agent: listening on http://%s (UI at /, reload with POST /-/reload)\n", *listen)
	go reportAWSAuth(ctx, agent)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			s, err := agentrun.SourceFromFile(path)
			if err == nil {
				err = agent.Flow.LoadSource(s, nil)
			}
			if err != nil {
				printDiagnostics(s, err)
				fmt.Fprintln(os.Stderr, "aws-agent: reload failed:", err)
			} else {
				fmt.Fprintln(os.Stderr, "aws-agent: configuration reloaded")
			}
		}
	}
}

// reportAWSAuth names each aws.auth instance and, once its first refresh is
// done, where its credentials come from.
func reportAWSAuth(ctx context.Context, agent *agentrun.Agent) {
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
			i, err := agent.Flow.GetComponent(id, component.InfoOptions{GetHealth: true})
			if err != nil {
				break
			}
			resolved := i.Health.Health == component.HealthTypeHealthy || !strings.HasPrefix(i.Health.Message, "resolving")
			if resolved || time.Now().After(deadline) {
				fmt.Fprintf(os.Stderr, "aws-agent: %s: %s: %s\n", id, i.Health.Health, i.Health.Message)
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

func printDiagnostics(src *flow.Source, err error) {
	var diags diag.Diagnostics
	if src == nil || !errors.As(err, &diags) {
		return
	}
	_ = diag.NewPrinter(diag.PrinterConfig{ContextLinesBefore: 1, ContextLinesAfter: 1}).Fprint(os.Stderr, src.RawConfigs(), diags)
}
