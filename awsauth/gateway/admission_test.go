package gateway

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/signing"
)

// With allow_remote_clients the Host is still checked (#23 item 7): a
// page on another machine that rebinds its name to the agent's address
// sends its own name, which is neither this host's address nor a name the
// operator listed.
func TestHostOfRemoteClients(t *testing.T) {
	p := defaultPolicy()
	p.AllowRemoteClients = true
	p.ClientHosts = []string{"aws-agent.monitoring.svc:12345", "Agent.Example"}
	g := New(p, nil, nil, Hooks{})
	g.ifaddrs = []netip.Addr{netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("2001:db8::7")}
	cases := []struct {
		remote, host string
		admitted     bool
	}{
		{"192.0.2.50:4000", "192.0.2.7:12345", true},     // this host's address
		{"192.0.2.50:4000", "[2001:db8::7]:12345", true}, // in IPv6
		{"192.0.2.50:4000", "aws-agent.monitoring.svc:12345", true},
		{"192.0.2.50:4000", "AWS-AGENT.monitoring.svc:12345", true},
		{"192.0.2.50:4000", "agent.example:8080", true}, // listed without a port: any port
		{"192.0.2.50:4000", "localhost:12345", true},
		{"192.0.2.50:4000", "", true},
		{"192.0.2.50:4000", "rebind.attacker.example:12345", false},
		{"192.0.2.50:4000", "aws-agent.monitoring.svc:9999", false}, // listed with another port
		{"192.0.2.50:4000", "192.0.2.8:12345", false},               // not this host's
		{"192.0.2.50:4000", "0.0.0.0:12345", false},
		{"192.0.2.50:4000", "192.0.2.7:abc", false},
		{"127.0.0.1:4000", "aws-agent.monitoring.svc:12345", true}, // a port-forward
		{"127.0.0.1:4000", "rebind.attacker.example", false},
	}
	for _, c := range cases {
		r := gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", c.host)
		r.RemoteAddr = c.remote
		_, _, ref := g.admit(r)
		if c.admitted != (ref == nil) {
			t.Errorf("client %s, Host %q: admitted %v, want %v (%+v)", c.remote, c.host, ref == nil, c.admitted, ref)
		}
		if ref != nil && (ref.reason != "host_header" || !strings.Contains(ref.msg, "client_hosts")) {
			t.Errorf("Host %q: refusal %+v, want host_header naming client_hosts", c.host, ref)
		}
	}

	// Without allow_remote_clients, this host's address is no loopback
	// name, and remote clients are refused before their Host is read.
	p.AllowRemoteClients = false
	g = New(p, nil, nil, Hooks{})
	g.ifaddrs = []netip.Addr{netip.MustParseAddr("192.0.2.7")}
	r := gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "192.0.2.7:12345")
	if _, _, ref := g.admit(r); ref == nil || ref.reason != "host_header" {
		t.Errorf("a loopback client's Host of the interface address: %+v", ref)
	}
	r.RemoteAddr = "192.0.2.50:4000"
	if _, _, ref := g.admit(r); ref == nil || ref.reason != "remote_client" {
		t.Errorf("a remote client without allow_remote_clients: %+v", ref)
	}
}

// The interface addresses a gateway takes are this host's: loopback's
// among them, without zones.
func TestInterfaceAddrs(t *testing.T) {
	as := interfaceAddrs()
	if !slices.Contains(as, netip.MustParseAddr("127.0.0.1")) {
		t.Fatalf("interface addresses %v lack 127.0.0.1", as)
	}
	for _, a := range as {
		if a.Zone() != "" || a.IsUnspecified() || a.Is4In6() {
			t.Fatalf("interface address %v", a)
		}
	}
	p := defaultPolicy()
	p.AllowRemoteClients = true
	if g := New(p, nil, nil, Hooks{}); !slices.Equal(g.ifaddrs, as) {
		t.Fatalf("the gateway took %v, not this host's %v", g.ifaddrs, as)
	}
}

func gatewayRequest(t *testing.T, method, rest, host string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, "http://127.0.0.1:12345/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.RequestURI, r.Host, r.RemoteAddr = prefix+rest, host, "127.0.0.1:40000"
	return r
}

// A table operation is signed only as the write the table names (#33 item
// 3): an X-Amz-Target header, or a query string at an endpoint AWS
// operates, is refused; a customer's API keeps its query strings.
func TestTableOperationsCarryNoTargetOrQuery(t *testing.T) {
	g := New(defaultPolicy(), nil, nil, Hooks{})
	cases := []struct {
		rest, target string
		admitted     bool
	}{
		{"/logs.us-east-1.amazonaws.com/v1/logs", "", true},
		{"/logs.us-east-1.amazonaws.com/v1/logs", "Logs_20140328.DeleteLogGroup", false},
		{"/monitoring.us-east-1.amazonaws.com/v1/metrics?Action=DeleteAlarms", "", false},
		{"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write?", "", false},
		{"/xray.us-east-1.amazonaws.com/TraceSegments?x=1", "", false},
		{"/a1.execute-api.us-east-1.amazonaws.com/prod/push?tenant=a", "", true},
		{"/a1.execute-api.us-east-1.amazonaws.com/prod/push", "AnythingAtAll", false},
	}
	for _, c := range cases {
		r := gatewayRequest(t, "POST", c.rest, "127.0.0.1:12345")
		if c.target != "" {
			r.Header["x-amz-target"] = []string{c.target} // as sent, in any case
		}
		_, _, ref := g.admit(r)
		if c.admitted != (ref == nil) {
			t.Errorf("%s (X-Amz-Target %q): admitted %v, want %v (%+v)", c.rest, c.target, ref == nil, c.admitted, ref)
		}
		if ref != nil && ref.reason != "operation_not_allowed" {
			t.Errorf("%s: refused as %s", c.rest, ref.reason)
		}
	}
}

// OpenSearch Ingestion's interface endpoint is its API's: CreatePipeline
// through it is refused, ingestion into a pipeline's own endpoint is not;
// and the token-minting APIs are refused whatever gateway { services } says.
func TestOSISControlPlaneAndTokenAPIsAreRefused(t *testing.T) {
	g := New(defaultPolicy(), nil, nil, Hooks{})
	for rest, want := range map[string]string{
		"/vpce-0a1b-x.osis.us-east-1.vpce.amazonaws.com/2022-01-01/osis/createPipeline": "operation_not_allowed",
		"/pipe-abc123.us-east-1.osis.amazonaws.com/log/ingest":                          "",
	} {
		_, _, ref := g.admit(gatewayRequest(t, "POST", rest, "127.0.0.1:12345"))
		if got := ""; ref != nil {
			got = ref.reason
			if got != want {
				t.Errorf("%s: refused %s, want %q", rest, got, want)
			}
		} else if want != "" {
			t.Errorf("%s: admitted, want %s", rest, want)
		}
	}
	for _, s := range []string{"ecr", "codeartifact", "redshift", "redshift-serverless", "cognito-identity", "rds-db"} {
		p := defaultPolicy()
		p.Services = append(p.Services, s)
		if p.SignsFor(s) {
			t.Errorf("%s would be signed for when listed", s)
		}
	}
}

// The 503 no_credentials answer, which any local client reads, names the
// failing source and why, but no ARN or account (#33: it told the user,
// role and account ARNs).
func TestNoCredentialsAnswerNamesNoIdentity(t *testing.T) {
	stsErr := errors.New(`profile "team": sts:AssumeRole: AccessDenied: User: arn:aws:iam::111122223333:user/ci is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role/writer (account 444455556666)`)
	signer := roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		return nil, &signing.CredentialsError{Host: r.URL.Host, Err: stsErr}
	})
	g := New(defaultPolicy(), signer, http.DefaultTransport, Hooks{})
	r := gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:12345")
	r.Body = http.NoBody
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	body := w.Body.String()
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(body, `profile "team": sts:AssumeRole: AccessDenied`) {
		t.Fatalf("%d %q", w.Code, body)
	}
	for _, s := range []string{"111122223333", "444455556666", "user/ci", "role/writer"} {
		if strings.Contains(body, s) {
			t.Errorf("the answer names %s: %s", s, body)
		}
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// OpenSearch writes into an index whose name begins with "." (.kibana,
// .opendistro_security, .plugins-ml-config) are refused, as _bulk and as
// _doc; an ordinary index is admitted (#34: the fuzz seeds reached neither).
func TestDotIndicesAreNotWritten(t *testing.T) {
	g := New(defaultPolicy(), nil, nil, Hooks{})
	for rest, admitted := range map[string]bool{
		"/search-logs-abc.us-east-1.es.amazonaws.com/app-logs/_doc":                     true,
		"/search-logs-abc.us-east-1.es.amazonaws.com/app-logs/_bulk":                    true,
		"/search-logs-abc.us-east-1.es.amazonaws.com/.kibana/_doc":                      false,
		"/search-logs-abc.us-east-1.es.amazonaws.com/.opendistro_security/_doc/config":  false,
		"/search-logs-abc.us-east-1.es.amazonaws.com/.kibana/_bulk":                     false,
		"/search-logs-abc.us-east-1.es.amazonaws.com/%2Ekibana/_doc":                    false,
		"/abc123.us-east-1.aoss.amazonaws.com/.plugins-ml-config/_doc":                  false,
		"/vpce-0a1b-x.osis.us-east-1.vpce.amazonaws.com/2022-01-01/osis/deletePipeline": false,
	} {
		_, _, ref := g.admit(gatewayRequest(t, "POST", rest, "127.0.0.1:12345"))
		if admitted != (ref == nil) {
			t.Errorf("%s: admitted %v, want %v (%+v)", rest, ref == nil, admitted, ref)
		}
	}
}

// Every refusal's text passes through the Redact hook before it is answered:
// a source error quoting a secret is answered without it (#34: the
// refusal text no longer redacted went unnoticed).
func TestRefusalsAreRedacted(t *testing.T) {
	const secret = "a-secret-a-helper-printed"
	signer := roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		return nil, &signing.CredentialsError{Host: r.URL.Host, Err: errors.New("credential_process: " + secret)}
	})
	g := New(defaultPolicy(), signer, http.DefaultTransport, Hooks{Redact: func(s string) string { return strings.ReplaceAll(s, secret, "(secret)") }})
	r := gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:12345")
	r.Body = http.NoBody
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if strings.Contains(w.Body.String(), secret) || !strings.Contains(w.Body.String(), "credential_process: (secret)") {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

// With a configured service (aws.auth's service = "execute-api" for a
// Loki behind API Gateway), the request is signed for that service, but
// the endpoint's own service is checked too: STS, KMS or Secrets Manager
// and any service not in gateway { services } are refused for what they
// are, never signed under another name.
func TestAConfiguredServiceDoesNotHideTheEndpoints(t *testing.T) {
	p := defaultPolicy()
	p.Service = "execute-api"
	g := New(p, nil, nil, Hooks{})
	for _, host := range []string{"sts.us-east-1.amazonaws.com", "kms.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com", "lambda.us-east-1.amazonaws.com"} {
		_, _, ref := g.admit(gatewayRequest(t, "POST", "/"+host+"/", "127.0.0.1:12345"))
		service, _, _ := strings.Cut(host, ".")
		if ref == nil || ref.reason != "service_not_allowed" || !strings.Contains(ref.msg, `"`+service+`"`) {
			t.Errorf("%s signed as execute-api: %+v, want service_not_allowed naming %q", host, ref, service)
		}
	}
}
