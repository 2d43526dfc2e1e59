package agentrun

import (
	"reflect"
	"slices"
	"strings"

	"github.com/grafana/agent/component"
)

// A signing gateway (aws.auth's) signs for any local client, so only the
// answers to the agent's own writes may move its health. The component
// cannot see who references it; the runner can: after each load it hands
// every gateway the hosts that the components referencing it write to —
// the host after the gateway's path in any URL of their arguments
// (remote_write's and loki.write's endpoint urls).

// gatewayOwner is a component with a signing gateway.
type gatewayOwner interface {
	GatewayPath() string
	SetWriterHosts(hosts []string)
}

// tellWriters hands each gateway of the root controller its writers'
// hosts. Gateways in modules are not told: theirs count every host.
func (a *Agent) tellWriters() {
	infos, err := a.Flow.ListComponents("", component.InfoOptions{GetArguments: true})
	if err != nil {
		return
	}
	byID := make(map[string]*component.Info, len(infos))
	for _, info := range infos {
		byID[info.ID.LocalID] = info
	}
	for _, info := range infos {
		owner, ok := info.Component.(gatewayOwner)
		if !ok || owner.GatewayPath() == "" {
			continue
		}
		hosts := map[string]bool{}
		for _, by := range info.ReferencedBy {
			if w := byID[by]; w != nil && w.Arguments != nil {
				gatewayHosts(reflect.ValueOf(w.Arguments), owner.GatewayPath(), hosts, 0)
			}
		}
		list := make([]string, 0, len(hosts))
		for h := range hosts {
			list = append(list, h)
		}
		slices.Sort(list)
		owner.SetWriterHosts(list)
	}
}

// gatewayHosts adds to hosts the host after path in every string v holds,
// to a depth of maxDepth.
func gatewayHosts(v reflect.Value, path string, hosts map[string]bool, depth int) {
	const maxDepth = 12
	if depth > maxDepth || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if i := strings.Index(s, path); i >= 0 {
			rest := s[i+len(path):]
			if end := strings.IndexAny(rest, "/?#"); end >= 0 {
				rest = rest[:end]
			}
			if rest != "" {
				hosts[strings.ToLower(rest)] = true
			}
		}
	case reflect.Pointer, reflect.Interface:
		gatewayHosts(v.Elem(), path, hosts, depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			gatewayHosts(v.Field(i), path, hosts, depth+1)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			gatewayHosts(v.Index(i), path, hosts, depth+1)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			gatewayHosts(it.Value(), path, hosts, depth+1)
		}
	}
}
