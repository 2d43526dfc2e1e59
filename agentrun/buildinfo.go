package agentrun

import (
	"fmt"
	"runtime/debug"
)

// BuildInfo is what this binary is: its module's version, the commit it
// was built from, the Go toolchain, and the Grafana Agent it is built on.
type BuildInfo struct {
	Version   string // the module version, "(devel)" for a build from a work tree
	Revision  string // the VCS commit, "unknown" without VCS information
	Modified  bool   // built from a work tree with uncommitted changes
	GoVersion string
	Agent     string // github.com/grafana/agent's version
}

// ReadBuildInfo reads the binary's own build information.
func ReadBuildInfo() BuildInfo {
	b := BuildInfo{Version: "unknown", Revision: "unknown", Agent: "unknown"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = bi.GoVersion
	if bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/grafana/agent" {
			b.Agent = d.Version
		}
	}
	return b
}

// String is the line `aws-agent --version` prints.
func (b BuildInfo) String() string {
	rev := b.Revision
	if b.Modified {
		rev += " (modified)"
	}
	return fmt.Sprintf("aws-agent %s\n  revision: %s\n  go: %s\n  grafana agent: %s\n", b.Version, rev, b.GoVersion, b.Agent)
}
