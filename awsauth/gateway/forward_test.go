package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestGatewayForwardsSignedAndFaithfully(t *testing.T) {
	f := newFixture(t, nil)
	f.Answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message":"slow down"}`))
	}
	hdr := http.Header{
		"Authorization":        {"Bearer client-token"},
		"Connection":           {"X-Drop-Me"},
		"X-Drop-Me":            {"1"},
		"X-Custom":             {"kept"},
		"Content-Type":         {"application/x-protobuf"},
		"X-Amz-Security-Token": {"client-supplied"},
	}
	// API Gateway: any path of the customer's own API is signed, escaping kept.
	w := f.do("POST", "/a1b2c3.execute-api.us-east-1.amazonaws.com/prod/a%2Fb/c%20d?x=1%2F2&y=", "127.0.0.1:5000", strings.NewReader("payload"), hdr)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "7" || w.Header().Get("X-Upstream") != "yes" || w.Body.String() != `{"message":"slow down"}` {
		t.Fatalf("relay: %d %v %q", w.Code, w.Header(), w.Body.String())
	}
	up := <-f.Seen
	if up.RequestURI != "/prod/a%2Fb/c%20d?x=1%2F2&y=" {
		t.Fatalf("upstream path %q", up.RequestURI)
	}
	auth := up.Header.Get("Authorization")
	if !strings.Contains(auth, "/us-east-1/execute-api/aws4_request") || !strings.Contains(auth, "x-custom") || strings.Contains(auth, "x-drop-me") {
		t.Fatalf("upstream Authorization %q", auth)
	}
	if up.Header.Get("X-Drop-Me") != "" || up.Header.Get("X-Amz-Security-Token") != "" || up.Header.Get("X-Custom") != "kept" {
		t.Fatalf("upstream headers %v", up.Header)
	}
}

func TestGatewayRefusals(t *testing.T) {
	f := newFixture(t, func(s *setup) {
		s.policy.MaxBodySize = 1024
		s.policy.AllowedHosts = []string{"loki.internal.example"}
		s.policy.Service = "execute-api"
	})
	cases := []struct {
		name, target, remote string
		body                 io.Reader
		status               int
		reason, text         string
	}{
		{"remote client", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "192.0.2.10:4000", nil, 403, "remote_client", "only loopback clients"},
		{"host outside the allowlist", "/evil.example.com/x", "127.0.0.1:1", nil, 403, "host_not_allowed", `host "evil.example.com" is neither an AWS endpoint nor in gateway { allowed_hosts }`},
		{"look-alike host", "/amazonaws.com.evil.net/x", "127.0.0.1:1", nil, 403, "host_not_allowed", "neither an AWS endpoint"},
		{"AWS host on another port", "/sts.us-east-1.amazonaws.com:8443/x", "127.0.0.1:1", nil, 403, "host_not_allowed", "neither an AWS endpoint"},
		{"userinfo", "/user@sts.amazonaws.com/x", "127.0.0.1:1", nil, 400, "bad_path", "is not a host name"},
		{"no host", "/", "127.0.0.1:1", nil, 400, "bad_path", "no host in the path"},
		{"body over the limit", "/loki.internal.example/push", "127.0.0.1:1", strings.NewReader(strings.Repeat("x", 2048)), 413, "body_too_large", "exceeds gateway max_body_size 1024"},
		{"streamed body over the limit", "/loki.internal.example/push", "127.0.0.1:1", io.MultiReader(strings.NewReader(strings.Repeat("x", 2048))), 413, "body_too_large", "exceeds gateway max_body_size 1024"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.refusals(c.reason)
			w := f.do("POST", c.target, c.remote, c.body, nil)
			if w.Code != c.status || !strings.Contains(w.Body.String(), c.text) || strings.Count(strings.TrimSpace(w.Body.String()), "\n") != 0 {
				t.Fatalf("%d %q", w.Code, w.Body.String())
			}
			if f.refusals(c.reason) != before+1 {
				t.Fatal("the refusal was not counted")
			}
		})
	}
	// An allowed host is forwarded.
	if w := f.do("POST", "/loki.internal.example/loki/api/v1/push", "127.0.0.1:1", strings.NewReader("small"), nil); w.Code != 200 || w.Body.String() != "small" {
		t.Fatalf("allowed host: %d %q", w.Code, w.Body.String())
	}
}

func TestGatewayAnswers503WithoutCredentials(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
	f := newFixture(t, func(s *setup) { s.creds.AccessKeyID, s.creds.SecretAccessKey = "", "" })
	w := f.do("POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:1", strings.NewReader("x"), nil)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "NoCredentialProviders") {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func TestGatewayClientCancellationLeaksNothing(t *testing.T) {
	f := newFixture(t, nil)
	// Warm the connection pool so its goroutines count in the baseline.
	f.do("POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:1", nil, nil)
	<-f.Seen
	f.Answer = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	baseline := runtime.NumGoroutine()

	for i := 0; i < 10; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		r := httptest.NewRequest("POST", prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", strings.NewReader("x")).WithContext(ctx)
		r.RemoteAddr, r.Host = "127.0.0.1:1", "127.0.0.1:12345"
		done := make(chan struct{})
		go func() { f.g.ServeHTTP(httptest.NewRecorder(), r); close(done) }()
		<-f.Seen
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the gateway did not return after the client went away")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline+2 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d after, %d before", runtime.NumGoroutine(), baseline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type panickingTransport struct{}

// RoundTrip panics with the signed request's headers in the panic value,
// as a buggy proxy or TLS layer might.
func (panickingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	panic(fmt.Sprintf("transport exploded on %v", r.Header))
}

// A panic under the gateway becomes a 500 (which remote_write and
// loki.write retry), is counted and handed to the owner (who logs it),
// and its value, which holds the session token, redacted.
func TestGatewayRecoversFromAPanicWithoutLeaking(t *testing.T) {
	const token = "FwoGZXIvYXdzEPANICSESSIONTOKENvalue0123456789"
	f := newFixture(t, func(s *setup) { s.creds.SessionToken = token; s.base = panickingTransport{} })

	w := f.do("POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/remote_write", "127.0.0.1:1", strings.NewReader("x"), nil)
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "panic") {
		t.Fatalf("%d %q, want 500 naming the panic", w.Code, w.Body.String())
	}
	panics := f.panics()
	if len(panics) != 1 || !strings.Contains(panics[0], "X-Amz-Security-Token:[(secret)]") {
		t.Fatalf("the owner was not given the redacted panic: %q", panics)
	}
	for _, secret := range []string{token, testSecret} {
		if strings.Contains(panics[0], secret) || strings.Contains(w.Body.String(), secret) {
			t.Fatalf("a secret (%s...) escaped the recovered panic:\n%s\n%s", secret[:6], panics[0], w.Body.String())
		}
	}
	if n := f.refusals("panic"); n != 1 {
		t.Fatalf("refusals for a panic: %d, want 1", n)
	}
}
