package gateway

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
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
	g := &Gateway{policy: Policy{PathPrefix: prefix + "/"}}
	allowed := []string{"loki.internal.example", "grafana.internal:8443"}
	f.Fuzz(func(t *testing.T, rest string) {
		u, _, ref := g.targetURL(prefix+rest, allowed)
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

// Whatever a client sends, the gateway admits only what an oracle written
// apart from its predicates allows (#23: checked against the gateway's own
// predicates, a broken browser check passed): no header named Origin or
// Sec-Fetch-* in any case, a Host that a parser of the test's own says is
// loopback or localhost (never an unspecified address), a method of the
// literal default list, and a target among literal forms of the telemetry
// writes of the default services.
func FuzzGatewayAdmission(f *testing.F) {
	for _, seed := range []struct{ method, rest, host, header string }{
		{"POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:12345", "Content-Type"},
		{"GET", "/sts.amazonaws.com/?Action=GetCallerIdentity", "localhost", "Origin"},
		{"POST", "/secretsmanager.us-east-1.amazonaws.com/", "127.0.0.1", "X-Amz-Target"},
		{"PUT", "/search-x.us-east-1.es.amazonaws.com/_bulk", "rebind.example:12345", "Sec-Fetch-Mode"},
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "[::1]:12345", "X-Custom"},
		{"POST", "/logs.us-east-1.amazonaws.com/v1/logs", "0.0.0.0:12345", "sec-fetch-site"},
		{"POST", "/search-x.us-east-1.es.amazonaws.com/app/_search", "localhost:12345", ""},
		// Browsers' headers on requests that would otherwise pass, in the
		// cases a client may send them.
		{"POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:12345", "sec-fetch-mode"},
		{"POST", "/logs.us-east-1.amazonaws.com/v1/logs", "localhost:12345", "Sec-Fetch-User"},
		{"PUT", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "[::1]:12345", "ORIGIN"},
		// Host forms the two parsers must read alike (one found by CI's fuzzing).
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "::1", ""},
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "[::ffff:127.0.0.1]:80", ""},
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "localhost:abc", ""},
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push", "127.0.0.1:0", ""},
		{"POST", "/logs.us-east-1.amazonaws.com/v1/logs", "127.0.0.1:12345", "X-Amz-Target"},
		{"POST", "/logs.us-east-1.amazonaws.com/v1/logs", "127.0.0.1:12345", "x-amz-target"},
		{"POST", "/monitoring.us-east-1.amazonaws.com/v1/metrics?Action=DeleteAlarms", "127.0.0.1:12345", ""},
		{"POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write?", "127.0.0.1:12345", ""},
		{"POST", "/a1.execute-api.us-east-1.amazonaws.com/prod/push?tenant=a", "127.0.0.1:12345", ""},
		{"POST", "/search-x.us-east-1.es.amazonaws.com/.kibana/_doc", "127.0.0.1:12345", ""},
		{"PUT", "/search-x.us-east-1.es.amazonaws.com/.opendistro_security/_doc/config", "127.0.0.1:12345", ""},
		{"POST", "/search-x.us-east-1.es.amazonaws.com/app/_doc", "127.0.0.1:12345", ""},
		{"POST", "/vpce-0a1b-x.osis.us-east-1.vpce.amazonaws.com/2022-01-01/osis/createPipeline", "127.0.0.1:12345", ""},
		{"POST", "/pipe-1.us-east-1.osis.amazonaws.com/log/ingest", "127.0.0.1:12345", ""},
	} {
		f.Add(seed.method, seed.rest, seed.host, seed.header)
	}
	g := New(defaultPolicy(), nil, nil, Hooks{})
	f.Fuzz(func(t *testing.T, method, rest, host, header string) {
		r, err := http.NewRequest("GET", "http://127.0.0.1:12345/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Method, r.RequestURI, r.Host, r.RemoteAddr = method, prefix+rest, host, "127.0.0.1:40000"
		if header != "" {
			r.Header[header] = []string{"x"} // as sent: any case
		}
		target, _, ref := g.admit(r)
		if ref != nil {
			if ref.status < 400 || ref.msg == "" || strings.Contains(ref.msg, "\n") {
				t.Fatalf("a refusal must be an error with a one-line reason: %+v", ref)
			}
			return
		}
		if h := strings.ToLower(header); h == "origin" || strings.HasPrefix(h, "sec-fetch-") {
			t.Fatalf("admitted a request with a browser's header %q", header)
		}
		if method != "POST" && method != "PUT" {
			t.Fatalf("admitted method %q", method)
		}
		if !oracleLoopbackHost(host) {
			t.Fatalf("admitted Host %q", host)
		}
		if !telemetryWrite(method, target.Host+target.EscapedPath()) || !telemetryWrite(method, target.Host+target.Path) {
			t.Fatalf("admitted %s %s, which is no telemetry write", method, target)
		}
		// A telemetry write carries no X-Amz-Target, and at an endpoint AWS
		// operates (aps, logs, xray, monitoring) no query string.
		if strings.EqualFold(header, "X-Amz-Target") {
			t.Fatalf("admitted %s %s with X-Amz-Target", method, target)
		}
		if awsOperatedTelemetry.MatchString(target.Host) && (target.RawQuery != "" || target.ForceQuery) {
			t.Fatalf("admitted %s %s with a query string", method, target)
		}
	})
}

// oracleLoopbackHost is the test's own reading of a Host header: empty,
// localhost or an address in 127.0.0.0/8 or ::1, with an optional port;
// or the fixture's listen address name. Nothing else, and no 0.0.0.0.
func oracleLoopbackHost(h string) bool {
	h = strings.ToLower(h)
	if h == "" {
		return true
	}
	name := h
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 || (end+1 < len(h) && !oraclePort(h[end+1:])) {
			return false
		}
		return h[1:end] == "::1"
	}
	if i := strings.LastIndex(h, ":"); i >= 0 {
		if !oraclePort(h[i:]) {
			return false
		}
		name = h[:i]
	}
	if name == "localhost" {
		return true
	}
	parts := strings.Split(name, ".")
	if len(parts) != 4 || parts[0] != "127" {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 || p != strconv.Itoa(n) {
			return false
		}
	}
	return true
}

func oraclePort(s string) bool {
	if len(s) < 2 || s[0] != ':' {
		return false
	}
	n, err := strconv.Atoi(s[1:])
	return err == nil && n > 0 && n < 65536
}

// telemetryWrites are the forms of the default services' telemetry writes,
// as the test writes them: HOST/PATH, lower-case host, region any.
// awsOperatedTelemetry are the hosts of the telemetry writes AWS itself
// answers (not a customer's API or domain).
var awsOperatedTelemetry = regexp.MustCompile(`^(aps-workspaces|logs|logs-fips|xray|monitoring)\.[a-z0-9-]+\.amazonaws\.com$`)

var telemetryWrites = []*regexp.Regexp{
	regexp.MustCompile(`^aps-workspaces\.[a-z0-9-]+\.amazonaws\.com/workspaces/[^/]+/api/v1/remote_write$`),
	regexp.MustCompile(`^(logs|logs-fips)\.[a-z0-9-]+\.amazonaws\.com/v1/logs$`),
	regexp.MustCompile(`^xray\.[a-z0-9-]+\.amazonaws\.com/(v1/traces|TraceSegments)$`),
	regexp.MustCompile(`^monitoring\.[a-z0-9-]+\.amazonaws\.com/v1/metrics$`),
	regexp.MustCompile(`^[a-z0-9-]+\.[a-z0-9-]+\.(es|aoss)\.amazonaws\.com(/[a-z0-9][^/]*)?/(_bulk|_doc(/[^/]+)?)$`),
	regexp.MustCompile(`^[a-z0-9-]+\.[a-z0-9-]+\.osis\.amazonaws\.com/.*$`),
	regexp.MustCompile(`^[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com/.*$`),
	regexp.MustCompile(`^vpce-[a-z0-9-]+\.(aps-workspaces\.[a-z0-9-]+\.vpce\.amazonaws\.com/workspaces/[^/]+/api/v1/remote_write|(logs|xray|monitoring)\.[a-z0-9-]+\.vpce\.amazonaws\.com/v1/(logs|traces|metrics)|xray\.[a-z0-9-]+\.vpce\.amazonaws\.com/TraceSegments|execute-api\.[a-z0-9-]+\.vpce\.amazonaws\.com/.*)$`),
}

func telemetryWrite(method, hostPath string) bool {
	for _, re := range telemetryWrites {
		if re.MatchString(hostPath) {
			return true
		}
	}
	return false
}

const prefix = "/api/v0/component/aws.auth.test"

// defaultPolicy is the policy of a gateway block left to its defaults, for
// an agent listening on 0.0.0.0:12345 with credentials of us-east-1.
func defaultPolicy() Policy {
	return Policy{
		PathPrefix: prefix + "/", OwnHosts: []string{"0.0.0.0:12345"},
		MaxBodySize: 32 << 20, Services: DefaultServices, Methods: DefaultMethods, ResponseHeaderTimeout: time.Minute,
		Region: "us-east-1",
	}
}
