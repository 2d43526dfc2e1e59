package gateway

import (
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

func TestValidHostAndAllowlist(t *testing.T) {
	for host, ok := range map[string]bool{
		"aps-workspaces.us-east-1.amazonaws.com": true, "x.example:8443": true, "a-b.c": true,
		"": false, "-a.b": false, "a..b": false, "a b": false, "a%2Fb": false, "a:": false, "a:123456": false, "a@b": false,
	} {
		if validHost(host) != ok {
			t.Errorf("validHost(%q) = %v", host, !ok)
		}
	}
	allowed := []string{"Loki.Internal.Example", "grafana.internal:8443"}
	for host, ok := range map[string]bool{
		"logs.us-east-1.amazonaws.com": true, "logs.us-east-1.amazonaws.com:443": true, "loki.internal.example": true,
		"grafana.internal:8443": true, "grafana.internal": false, "loki.internal.example:8080": false, "amazonaws.com": false,
	} {
		if hostAllowed(host, scope.Parse(host), allowed) != ok {
			t.Errorf("hostAllowed(%q) = %v", host, !ok)
		}
	}
}

// Dot segments, as written or escaped, are refused by the gateway itself
// (#33: only the router in front redirected them).
func TestDotSegmentsAreRefused(t *testing.T) {
	g := &Gateway{policy: Policy{PathPrefix: prefix + "/"}}
	for _, rest := range []string{
		"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/../../x",
		"/aps-workspaces.us-east-1.amazonaws.com/./workspaces/ws/api/v1/remote_write",
		"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/%2e%2e/remote_write",
		"/a1.execute-api.us-east-1.amazonaws.com/prod/%2E/push",
	} {
		if _, _, ref := g.targetURL(prefix+rest, nil); ref == nil || ref.reason != "bad_path" {
			t.Errorf("%s: %+v, want bad_path", rest, ref)
		}
	}
	if _, _, ref := g.targetURL(prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws..1/api/v1/remote_write", nil); ref != nil {
		t.Errorf("dots inside a segment: %+v", ref)
	}
}
