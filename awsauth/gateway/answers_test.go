package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// An upstream cannot steer the client through the gateway's answers
// (#23): a redirect, which remote_write and loki.write would follow back
// into the gateway signed for where the upstream chose, becomes 502
// upstream_redirect without its Location; an interim 1xx answer is not
// relayed, so its Set-Cookie never reaches the client. Through the real
// HTTP server, since a recorder does not see interim answers.
func TestGatewayAnswersCannotSteerTheClient(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.g)
	defer srv.Close()
	const aps = "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	type answer struct {
		name     string
		upstream http.HandlerFunc
		status   int
	}
	cases := []answer{
		{"a redirect back into the gateway", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-OTHER/api/v1/remote_write")
			w.WriteHeader(http.StatusTemporaryRedirect)
		}, http.StatusBadGateway},
		{"a permanent redirect", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://evil.example/")
			w.WriteHeader(http.StatusPermanentRedirect)
		}, http.StatusBadGateway},
		{"early hints with a cookie", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Set-Cookie", "session=upstream")
			w.Header().Set("Link", "</x.js>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Set-Cookie")
			w.Header().Del("Link")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("ok"))
		}, http.StatusOK},
	}
	// 301, 302 and 303 too (#34: only 307 and 308 were tested): a client
	// following one would resend (or turn into a GET) where the upstream
	// chose.
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther} {
		cases = append(cases, answer{fmt.Sprintf("a %d", status), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "https://evil.example/")
			w.WriteHeader(status)
		}, http.StatusBadGateway})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.Answer = c.upstream
			var interim []int
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
				interim = append(interim, code)
				return nil
			}})
			req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+prefix+aps, strings.NewReader("samples"))
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			<-f.Seen
			if resp.StatusCode != c.status || resp.Header.Get("Location") != "" || resp.Header.Get("Set-Cookie") != "" || len(interim) != 0 {
				t.Fatalf("answer %d %v %q, interim %v: want %d, no Location, no cookie, no interim answer", resp.StatusCode, resp.Header, body, interim, c.status)
			}
			assertSafeHeaders(t, resp.Header)
			if c.status == http.StatusBadGateway && !strings.Contains(string(body), "redirect") {
				t.Fatalf("body %q does not say why", body)
			}
		})
	}
}

// Edges (#23): an AWS host the inference cannot place is not signed for
// with the configured service unless allowed_hosts lists it; a host of
// another partition is refused before it is signed.
func TestGatewayRefusesHostsItCannotPlace(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.policy.Service = "execute-api" })
	for _, c := range []struct{ target, reason string }{
		{"/iam.us-gov.amazonaws.com/", "host_not_allowed"},
		{"/internal-lb-1234.us-east-1.elb.amazonaws.com/x", "host_not_allowed"},
		{"/logs.cn-north-1.amazonaws.com.cn/v1/logs", "partition_mismatch"},
		{"/a1b2c3.execute-api.us-gov-west-1.amazonaws.com/prod/x", "partition_mismatch"},
	} {
		before, counted := f.Arrived.Load(), f.refusals(c.reason)
		w := f.do("POST", c.target, "127.0.0.1:5000", strings.NewReader("x"), nil)
		if w.Code != http.StatusForbidden || f.Arrived.Load() != before {
			t.Errorf("%s: %d %q, %d arrived", c.target, w.Code, w.Body.String(), f.Arrived.Load()-before)
		}
		if got := f.refusals(c.reason); got != counted+1 {
			t.Errorf("%s: %q, not counted under %s", c.target, w.Body.String(), c.reason)
		}
	}
}
