package auth

import (
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
)

// The gateway never forwards to a host outside AWS's domains and the
// allowlist, and never anywhere but https://HOST with HOST as parsed.
func FuzzGatewayTarget(f *testing.F) {
	for _, seed := range []string{
		"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write",
		"/loki.internal.example/loki/api/v1/push?x=1%2F2",
		"/evil.example.com/x", "/user@sts.amazonaws.com/", "/sts.amazonaws.com:8443/", "/amazonaws.com.evil.net/",
		"/sts.amazonaws.com%2F@evil/", "/x.amazonaws.com\\@evil.com/", "//double", "/a.amazonaws.com#frag", "/../../etc",
	} {
		f.Add(seed)
	}
	c := &Component{pathPrefix: prefix + "/"}
	allowed := []string{"loki.internal.example", "grafana.internal:8443"}
	f.Fuzz(func(t *testing.T, rest string) {
		u, ref := c.targetURL(prefix+rest, allowed)
		if ref != nil {
			if ref.status < 400 || ref.msg == "" || strings.Contains(ref.msg, "\n") {
				t.Fatalf("a refusal must be an error with a one-line reason: %+v", ref)
			}
			return
		}
		if u.Scheme != "https" || u.User != nil || u.Fragment != "" {
			t.Fatalf("forwarding to %s", u)
		}
		name, port := u.Hostname(), u.Port()
		ok := (port == "" || port == "443") && awsauth.IsAWSHost(name)
		for _, a := range allowed {
			if strings.EqualFold(a, u.Host) || ((port == "" || port == "443") && strings.EqualFold(a, name)) {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("accepted a host outside the allowlist: %q from %q", u.Host, rest)
		}
		if lower := strings.ToLower(rest); !strings.HasPrefix(lower, "/"+u.Host+"/") && lower != "/"+u.Host {
			t.Fatalf("the host forwarded to (%q) is not the one in the path %q", u.Host, rest)
		}
	})
}
