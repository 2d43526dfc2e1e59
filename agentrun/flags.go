package agentrun

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/flowui"
)

// ServerFlags are the flags of the agent's HTTP server that run and demo
// share, with upstream's names.
type ServerFlags struct {
	ListenAddr      string
	UIAssetsDir     string
	EnablePProf     bool
	ShutdownTimeout time.Duration
}

// RegisterFlags defines the flags on fs.
func (f *ServerFlags) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.ListenAddr, "server.http.listen-addr", "127.0.0.1:12345", "address the HTTP server (UI, API, /metrics, the aws.auth gateway) listens on")
	fs.StringVar(&f.UIAssetsDir, "ui.assets-dir", "", flowui.AssetsDirUsage)
	fs.BoolVar(&f.EnablePProf, "server.http.enable-pprof", true, pprofUsage)
	fs.DurationVar(&f.ShutdownTimeout, "shutdown.timeout", DefaultShutdownTimeout, "on SIGTERM or SIGINT, how long the components get to send what they hold (through the signing gateway, which stays up until then); keep it under the orchestrator's grace period (Kubernetes: 30s)")
}

// Validate refuses flag values no server can run with.
func (f *ServerFlags) Validate() error {
	if f.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown.timeout must be positive, got %s", f.ShutdownTimeout)
	}
	return nil
}

// UIAssets are the UI's assets the flags name; without any, warn says
// how to get them and the agent runs without a UI.
func (f *ServerFlags) UIAssets(warn io.Writer, prefix string) (fs.FS, error) {
	assets, err := flowui.Assets(f.UIAssetsDir)
	if err == nil && assets == nil {
		fmt.Fprintln(warn, prefix, flowui.NoAssets)
	}
	return assets, err
}
