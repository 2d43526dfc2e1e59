package auth

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alecthomas/units"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/go-kit/log"
	"github.com/grafana/agent/component/common/config"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	prefix     = "/api/v0/component/aws.auth.test"
)

// The gateway's own tests — admission, answers, bounds, abuse — are
// package awsauth/gateway's, built from gateway.New. Here: what the
// component adds — its mount, its hooks (metrics, log, redaction with its
// credentials) and a new gateway with each configuration.

// gatewayFixture is aws.auth reaching the test kit's Upstream, a TLS
// fake AWS through a CONNECT proxy.
type gatewayFixture struct {
	*awsauthtest.Upstream
	c *Component
}

func newGatewayFixture(t testing.TB, edit func(*Arguments)) *gatewayFixture {
	t.Helper()
	f := &gatewayFixture{Upstream: awsauthtest.StartUpstream(t, awsauthtest.Key{AccessKeyID: testKeyID, SecretAccessKey: testSecret})}
	args := staticArgs("us-east-1")
	args.HTTPClientConfig.ProxyConfig = &config.ProxyConfig{ProxyURL: config.URL{URL: f.ProxyURL}}
	args.HTTPClientConfig.TLSConfig.CA = f.CAPEM
	if edit != nil {
		edit(&args)
	}
	var l exportsLog
	c, err := New(testOptions(&l), args)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

func (f *gatewayFixture) do(method, target, remote string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	return awsauthtest.Request(f.c.Handler(), method, prefix+target, remote, body, header)
}

// The component's handler is the current configuration's gateway: a
// request under its path is forwarded signed, a refusal is counted in
// aws_auth_gateway_refused_total, and after an update the new
// configuration's gateway answers.
func TestTheComponentMountsItsGateway(t *testing.T) {
	f := newGatewayFixture(t, nil)
	const aps = "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	if w := f.do("POST", aps, "127.0.0.1:1", strings.NewReader(strings.Repeat("x", 2048)), nil); w.Code != http.StatusOK || w.Body.Len() != 2048 {
		t.Fatalf("forwarded: %d %q", w.Code, w.Body.String())
	}
	if up := <-f.Seen; !strings.Contains(up.Header.Get("Authorization"), testKeyID+"/") {
		t.Fatalf("not signed with the component's credentials: %q", up.Header.Get("Authorization"))
	}
	if w := f.do("POST", aps, "192.0.2.10:4000", nil, nil); w.Code != http.StatusForbidden {
		t.Fatalf("remote client: %d", w.Code)
	}
	if n := testutil.ToFloat64(f.c.metrics.gatewayRefused.WithLabelValues("remote_client")); n != 1 {
		t.Fatalf("aws_auth_gateway_refused_total{reason=\"remote_client\"} = %v, want 1", n)
	}

	args := f.c.cur.Load().args
	args.Gateway.MaxBodySize = units.KiB
	if err := f.c.Update(args); err != nil {
		t.Fatal(err)
	}
	if w := f.do("POST", aps, "127.0.0.1:1", strings.NewReader(strings.Repeat("x", 2048)), nil); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("after the update to max_body_size 1KiB: %d, want 413", w.Code)
	}
	if n := testutil.ToFloat64(f.c.metrics.gatewayRefused.WithLabelValues("body_too_large")); n != 1 {
		t.Fatalf("aws_auth_gateway_refused_total{reason=\"body_too_large\"} = %v, want 1", n)
	}
}

// Probes for label cardinality: however many services, hosts and error
// codes are tried, the metrics keep their series bounded.
func TestGatewayLabelsStayBounded(t *testing.T) {
	f := newGatewayFixture(t, nil)
	n := 0
	f.Answer = func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("X-Amzn-ErrorType", fmt.Sprintf("Invented%dException", n))
		w.WriteHeader(http.StatusBadRequest)
	}
	for i := 0; i < 100; i++ {
		f.do("POST", fmt.Sprintf("/r%d.us-east-1.amazonaws.com/x", i), "127.0.0.1:1", strings.NewReader("x"), nil)
		f.do("POST", fmt.Sprintf("/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-%d/api/v1/remote_write", i), "127.0.0.1:1", strings.NewReader("x"), nil)
		<-f.Seen
	}
	if got := testutil.CollectAndCount(f.c.metrics.signedTotal); got != 1 {
		t.Fatalf("aws_auth_signed_requests_total has %d series, want 1 (aps)", got)
	}
	if got := testutil.CollectAndCount(f.c.metrics.responsesTotal); got != 1 {
		t.Fatalf("aws_auth_responses_total has %d series, want 1 (aps 4xx other)", got)
	}
	if got := testutil.ToFloat64(f.c.metrics.responsesTotal.WithLabelValues("aps", "4xx", "other")); got != 100 {
		t.Fatalf("aps 4xx other = %v, want 100", got)
	}
	if d := f.c.DebugInfo().(DebugInfo); len(d.SignedRequests) != 1 || len(d.Responses) != 1 {
		t.Fatalf("debug info grew: %v %v", d.SignedRequests, d.Responses)
	}
}

type panickingTransport struct{}

// RoundTrip panics with the signed request's headers in the panic value,
// as a buggy proxy or TLS layer might.
func (panickingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	panic(fmt.Sprintf("transport exploded on %v", r.Header))
}

// A panic under the gateway is logged on the component's logger, its
// value (which holds the session token) redacted with the component's
// credentials, and counted.
func TestGatewayPanicsAreLoggedWithoutSecrets(t *testing.T) {
	const token = "FwoGZXIvYXdzEPANICSESSIONTOKENvalue0123456789"
	f := newGatewayFixture(t, func(a *Arguments) { a.SessionToken = token })
	// The cache's refresh goroutine logs too, while the test reads.
	logs := &awsauthtest.SyncBuffer{}
	f.c.log = log.NewLogfmtLogger(logs)
	next := *f.c.cur.Load()
	next.gateway = f.c.newGateway(next.args, next.auth, panickingTransport{})
	f.c.cur.Store(&next)

	if w := f.do("POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:1", strings.NewReader("x"), nil); w.Code != http.StatusInternalServerError {
		t.Fatalf("%d %q, want 500", w.Code, w.Body.String())
	}
	logged := logs.String()
	if !strings.Contains(logged, "recovered from a panic") || !strings.Contains(logged, "X-Amz-Security-Token:[(secret)]") {
		t.Fatalf("the log does not carry the redacted panic:\n%s", logged)
	}
	for _, secret := range []string{token, testSecret} {
		if strings.Contains(logged, secret) {
			t.Fatalf("a secret (%s...) escaped into the log:\n%s", secret[:6], logged)
		}
	}
	if n := testutil.ToFloat64(f.c.metrics.gatewayRefused.WithLabelValues("panic")); n != 1 {
		t.Fatalf("aws_auth_gateway_refused_total{reason=\"panic\"} = %v, want 1", n)
	}
}
