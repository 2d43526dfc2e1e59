package httpserver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/agent/component"
	"github.com/grafana/agent/service"
)

// components is a service.Host that knows some component IDs and counts
// the lookups.
type components struct {
	service.Host
	ids     map[string]bool
	built   map[string]component.Component
	lookups int
}

func (c *components) GetComponent(id component.ID, _ component.InfoOptions) (*component.Info, error) {
	c.lookups++
	if !c.ids[id.String()] {
		return nil, component.ErrComponentNotFound
	}
	return &component.Info{ID: id, Component: c.built[id.String()]}, nil
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
		{"no-dot/aws.auth.default/x", "", "", 0},
		{strings.Repeat("a.b/", 10000) + "aws.auth.default", "", "", maxIDSegments},
	} {
		host.lookups = 0
		info, rest, ok := splitComponentPath(newLookups(host).find, c.path)
		got := ""
		if ok {
			got = info.ID.String()
		}
		if got != c.id || rest != c.rest || host.lookups != c.lookups {
			name := c.path
			if len(name) > 120 {
				name = fmt.Sprintf("%s… (%d bytes)", name[:60], len(name))
			}
			t.Errorf("%s: %q %q after %d lookups, want %q %q after %d", name, got, rest, host.lookups, c.id, c.rest, c.lookups)
		}
	}
}

type built struct{ component.Component }

// A root component that is built is looked up once until the next load;
// one not built yet, and a module's, every time.
func TestLookupsKeepBuiltRootComponentsUntilTheNextLoad(t *testing.T) {
	host := &components{
		ids:   map[string]bool{"aws.auth.a": true, "aws.auth.b": true, "aws.auth.unbuilt": true, "module.file.m": true, "module.file.m/aws.auth.b": true},
		built: map[string]component.Component{"aws.auth.a": built{}, "aws.auth.b": built{}, "module.file.m/aws.auth.b": built{}},
	}
	l := newLookups(host)
	count := func(id string) int {
		host.lookups = 0
		for range 3 {
			if _, ok := l.find(component.ParseID(id)); !ok {
				t.Fatalf("%s not found", id)
			}
		}
		return host.lookups
	}
	if n := count("aws.auth.a"); n != 1 {
		t.Errorf("a built root component: %d lookups for 3 requests, want 1", n)
	}
	if n := count("aws.auth.unbuilt"); n != 3 {
		t.Errorf("a component not built yet: %d lookups for 3 requests, want 3 (it may be built without a load)", n)
	}
	count("aws.auth.b") // kept, under the module's component's own part of its ID
	if info, _ := l.find(component.ParseID("module.file.m/aws.auth.b")); info.ID.String() != "module.file.m/aws.auth.b" {
		t.Errorf("module.file.m/aws.auth.b found %s", info.ID)
	}
	if n := count("module.file.m/aws.auth.b"); n != 3 {
		t.Errorf("a module's component: %d lookups for 3 requests, want 3 (a module reloads on its own)", n)
	}
	l.forget()
	delete(host.ids, "aws.auth.a")
	if _, ok := l.find(component.ParseID("aws.auth.a")); ok {
		t.Error("a component the last load removed is still found")
	}
}
