package httpserver

import (
	"testing"

	"github.com/grafana/agent/component"
	"github.com/grafana/agent/service"
)

// components is a service.Host that knows some component IDs and counts
// the lookups.
type components struct {
	service.Host
	ids     map[string]bool
	lookups int
}

func (c *components) GetComponent(id component.ID, _ component.InfoOptions) (*component.Info, error) {
	c.lookups++
	if !c.ids[id.String()] {
		return nil, component.ErrComponentNotFound
	}
	return &component.Info{ID: id}, nil
}

// The longest prefix naming a component wins, as upstream's router has
// it (a module's components are under the module's ID); a prefix whose
// last segment has no dot is no component's and is not looked up.
func TestSplitComponentPath(t *testing.T) {
	host := &components{ids: map[string]bool{
		"aws.auth.default": true, "module.file.m": true, "module.file.m/prometheus.exporter.unix.x": true,
	}}
	for _, c := range []struct {
		path, id, rest string
		lookups        int
	}{
		{"aws.auth.default/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "aws.auth.default", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", 2},
		{"aws.auth.default/", "aws.auth.default", "/", 1},
		{"module.file.m/prometheus.exporter.unix.x/metrics", "module.file.m/prometheus.exporter.unix.x", "/metrics", 1},
		{"module.file.m/prometheus.exporter.unix.y/metrics", "module.file.m", "/prometheus.exporter.unix.y/metrics", 2},
		{"nothing.here.x/a/b", "", "", 1},
	} {
		host.lookups = 0
		info, rest, ok := splitComponentPath(host, c.path)
		got := ""
		if ok {
			got = info.ID.String()
		}
		if got != c.id || rest != c.rest || host.lookups != c.lookups {
			t.Errorf("%s: %q %q after %d lookups, want %q %q after %d", c.path, got, rest, host.lookups, c.id, c.rest, c.lookups)
		}
	}
}
