package httpserver

import (
	"sync"

	"github.com/grafana/agent/component"
	"github.com/grafana/agent/service"
)

// maxIDSegments bounds the prefixes of a path the router looks up: a
// component's ID has one segment per module it is in, plus its own, and
// nesting modules eight deep is already past what anyone writes. Without
// a bound, a path of thousands of dotted segments was as many lookups.
const maxIDSegments = 8

// maxCachedRoots bounds the lookups kept: only IDs that name a root
// component are kept, so a configuration's size bounds them too.
const maxCachedRoots = 1024

// lookups finds the components the router hands requests to. v0.40.3's
// GetComponent clones the controller's whole graph on every call, so each
// gateway request paid a cost that grows with the configuration. A root
// component's instance changes only when the root configuration is
// loaded, so its lookup is kept until forget, which the agent calls after
// every load. A module's components are looked up every time: a module
// reloads on its own.
type lookups struct {
	host service.Host

	mu    sync.RWMutex
	gen   uint64 // forget's count: a lookup begun before one is not kept
	roots map[string]*component.Info
}

func newLookups(host service.Host) *lookups {
	return &lookups{host: host, roots: map[string]*component.Info{}}
}

// find is the component id names, if any.
func (l *lookups) find(id component.ID) (*component.Info, bool) {
	root := id.ModuleID == ""
	l.mu.RLock()
	kept, ok := l.roots[id.LocalID]
	gen := l.gen
	l.mu.RUnlock()
	if root && ok { // a module's component may share a root's LocalID
		return kept, true
	}
	info, err := l.host.GetComponent(id, component.InfoOptions{})
	if err != nil {
		return nil, false
	}
	// A component not built yet (its arguments failed to evaluate) may be
	// built later without a load: only a built one is kept.
	if root && info.Component != nil {
		l.mu.Lock()
		if l.gen == gen && len(l.roots) < maxCachedRoots {
			l.roots[id.LocalID] = info
		}
		l.mu.Unlock()
	}
	return info, true
}

// forget drops what was kept: the root configuration was loaded.
func (l *lookups) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	l.roots = map[string]*component.Info{}
}
