package auth

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
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
		ok := (port == "" || port == "443") && scope.IsAWSHost(name)
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

// Whatever a client sends, the gateway admits only what its policy allows:
// a loopback client naming the agent, no browser header, a method of
// gateway { methods }, an AWS or allowed host, and a service of
// gateway { services } — never STS, IAM, KMS, Secrets Manager or SSM.
func FuzzGatewayAdmission(f *testing.F) {
	for _, seed := range []struct{ method, rest, host, header string }{
		{"POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:12345", "Content-Type"},
		{"GET", "/sts.amazonaws.com/?Action=GetCallerIdentity", "localhost", "Origin"},
		{"POST", "/secretsmanager.us-east-1.amazonaws.com/", "127.0.0.1", "X-Amz-Target"},
		{"PUT", "/search-x.us-east-1.es.amazonaws.com/_bulk", "rebind.example:12345", "Sec-Fetch-Mode"},
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "[::1]:12345", "X-Custom"},
	} {
		f.Add(seed.method, seed.rest, seed.host, seed.header)
	}
	fx := newGatewayFixture(f, nil)
	c, inst := fx.c, fx.c.cur.Load()
	gw := inst.args.Gateway
	f.Fuzz(func(t *testing.T, method, rest, host, header string) {
		r, err := http.NewRequest("GET", "http://127.0.0.1:12345/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Method, r.RequestURI, r.Host, r.RemoteAddr = method, prefix+rest, host, "127.0.0.1:40000"
		if header != "" {
			r.Header[http.CanonicalHeaderKey(header)] = []string{"x"}
		}
		target, ref := c.admit(inst, r)
		if ref != nil {
			if ref.status < 400 || ref.msg == "" || strings.Contains(ref.msg, "\n") {
				t.Fatalf("a refusal must be an error with a one-line reason: %+v", ref)
			}
			return
		}
		if !gw.Allows(method) || browserHeader(r.Header) != "" || !c.ownHost(host) {
			t.Fatalf("admitted %s with Host %q and header %q", method, host, header)
		}
		service, _, err := scope.For(target.Host, inst.args.Service, "us-east-1")
		if err != nil || !gw.SignsFor(service) || slices.Contains(awsriver.ForbiddenGatewayServices, service) {
			t.Fatalf("admitted %s for service %q (%v)", target, service, err)
		}
	})
}
