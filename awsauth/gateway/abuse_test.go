package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
)

// Each way a local process or a browser page could try to use the
// gateway as a signing oracle: refused ones reach nothing and are counted
// under their reason; allowed ones arrive signed and verified.
func TestGatewayAbuse(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.policy.MaxBodySize = 1024 })
	const aps = "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	cases := []struct {
		name, method, target string
		header               http.Header
		host                 string // Host header; default the agent's own address
		body                 string
		status               int
		reason               string // "" for forwarded
	}{
		{"sts GetCallerIdentity by GET", "GET", "/sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil, "", "", 405, "method_not_allowed"},
		{"sts GetSessionToken by POST", "POST", "/sts.amazonaws.com/", nil, "", "Action=GetSessionToken&Version=2011-06-15", 403, "service_not_allowed"},
		{"regional sts", "POST", "/sts.us-east-1.amazonaws.com/", nil, "", "Action=GetCallerIdentity", 403, "service_not_allowed"},
		{"iam", "POST", "/iam.amazonaws.com/", nil, "", "Action=CreateAccessKey&UserName=u", 403, "service_not_allowed"},
		{"s3 list by GET", "GET", "/s3.amazonaws.com/", nil, "", "", 405, "method_not_allowed"},
		{"s3 bucket DELETE", "DELETE", "/bucket.s3.amazonaws.com/", nil, "", "", 405, "method_not_allowed"},
		{"s3 PUT", "PUT", "/bucket.s3.us-east-1.amazonaws.com/key", nil, "", "x", 403, "service_not_allowed"},
		{"secretsmanager", "POST", "/secretsmanager.us-east-1.amazonaws.com/", http.Header{"X-Amz-Target": {"secretsmanager.GetSecretValue"}}, "", `{"SecretId":"prod"}`, 403, "service_not_allowed"},
		{"kms", "POST", "/kms.us-east-1.amazonaws.com/", http.Header{"X-Amz-Target": {"TrentService.Decrypt"}}, "", "{}", 403, "service_not_allowed"},
		{"ssm", "POST", "/ssm.us-east-1.amazonaws.com/", nil, "", "{}", 403, "service_not_allowed"},
		{"lambda function URL page", "GET", "/x.lambda-url.us-east-1.on.aws/", nil, "", "", 405, "method_not_allowed"},
		{"lambda function URL POST", "POST", "/x.lambda-url.us-east-1.on.aws/", nil, "", "x", 403, "service_not_allowed"},
		{"unknown service", "POST", "/r123.us-east-1.amazonaws.com/", nil, "", "x", 403, "service_not_allowed"},
		{"Origin null", "POST", aps, http.Header{"Origin": {"null"}}, "", "x", 403, "browser"},
		{"foreign Origin", "POST", aps, http.Header{"Origin": {"https://evil.example"}}, "", "x", 403, "browser"},
		{"Sec-Fetch-Site cross-site", "POST", aps, http.Header{"Sec-Fetch-Site": {"cross-site"}}, "", "x", 403, "browser"},
		{"Sec-Fetch-Mode alone", "POST", aps, http.Header{"Sec-Fetch-Mode": {"no-cors"}}, "", "x", 403, "browser"},
		{"DNS rebinding Host", "POST", aps, nil, "rebind.attacker.example:12345", "x", 403, "host_header"},
		{"unspecified-address Host", "POST", aps, nil, "0.0.0.0:12345", "x", 403, "host_header"},
		{"another partition", "POST", "/logs.cn-north-1.amazonaws.com.cn/v1/logs", nil, "", "x", 403, "partition_mismatch"},
		{"rebinding to a loopback-looking name", "POST", aps, nil, "127.0.0.1.nip.io:12345", "x", 403, "host_header"},
		{"look-alike host", "POST", "/amazonaws.com.evil.net/x", nil, "", "x", 403, "host_not_allowed"},
		{"look-alike suffix", "POST", "/aps-workspaces.us-east-1.amazonaws.com.evil.net/x", nil, "", "x", 403, "host_not_allowed"},
		{"no dot before the suffix", "POST", "/evilamazonaws.com/x", nil, "", "x", 403, "host_not_allowed"},
		{"userinfo", "POST", "/user@aps-workspaces.us-east-1.amazonaws.com/x", nil, "", "x", 400, "bad_path"},
		{"escaped userinfo", "POST", "/evil.com%40aps-workspaces.us-east-1.amazonaws.com/x", nil, "", "x", 400, "bad_path"},
		{"other port", "POST", "/aps-workspaces.us-east-1.amazonaws.com:8443/x", nil, "", "x", 403, "host_not_allowed"},
		{"IPv4 literal", "POST", "/169.254.169.254/latest/api/token", nil, "", "x", 403, "host_not_allowed"},
		{"loopback literal", "POST", "/127.0.0.1:12345/x", nil, "", "x", 403, "host_not_allowed"},
		{"IPv6 literal", "POST", "/[::1]/x", nil, "", "x", 400, "bad_path"},
		{"dot-dot host", "POST", "/../sts.amazonaws.com/", nil, "", "x", 400, "bad_path"},
		{"empty host", "POST", "//sts.amazonaws.com/", nil, "", "x", 400, "bad_path"},
		{"body over the limit", "POST", aps, nil, "", strings.Repeat("x", 2048), 413, "body_too_large"},
		// Operations, not services (#23): each of these was signed through a default service.
		{"OpenSearch UpdateDomainConfig", "POST", "/es.us-east-1.amazonaws.com/2021-01-01/opensearch/domain/logs/config", nil, "", `{"AccessPolicies":"{\"Principal\":\"*\"}"}`, 403, "operation_not_allowed"},
		{"aoss CreateSecurityPolicy", "POST", "/aoss.us-east-1.amazonaws.com/", http.Header{"X-Amz-Target": {"OpenSearchServerless.CreateSecurityPolicy"}}, "", "{}", 403, "operation_not_allowed"},
		{"logs PutResourcePolicy", "POST", "/logs.us-east-1.amazonaws.com/", http.Header{"X-Amz-Target": {"Logs_20140328.PutResourcePolicy"}}, "", "{}", 403, "operation_not_allowed"},
		{"logs DeleteLogGroup", "POST", "/logs.us-east-1.amazonaws.com/", http.Header{"X-Amz-Target": {"Logs_20140328.DeleteLogGroup"}}, "", "{}", 403, "operation_not_allowed"},
		{"logs FilterLogEvents", "POST", "/logs.us-east-1.amazonaws.com/", http.Header{"X-Amz-Target": {"Logs_20140328.FilterLogEvents"}}, "", "{}", 403, "operation_not_allowed"},
		{"CloudWatch DeleteAlarms", "POST", "/monitoring.us-east-1.amazonaws.com/", nil, "", "Action=DeleteAlarms&AlarmNames.member.1=a", 403, "operation_not_allowed"},
		{"AMP PutAlertManagerDefinition", "PUT", "/aps.us-east-1.amazonaws.com/workspaces/ws-1/alertmanager/definition", nil, "", "{}", 403, "operation_not_allowed"},
		{"AMP CreateWorkspace", "POST", "/aps.us-east-1.amazonaws.com/workspaces", nil, "", "{}", 403, "operation_not_allowed"},
		{"AMP query", "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/query", nil, "", "query=up", 403, "operation_not_allowed"},
		{"osis UpdatePipeline", "PUT", "/osis.us-east-1.amazonaws.com/2022-01-01/osis/updatePipeline/p", nil, "", "{}", 403, "operation_not_allowed"},
		{"X-Ray PutEncryptionConfig", "POST", "/xray.us-east-1.amazonaws.com/PutEncryptionConfig", nil, "", "{}", 403, "operation_not_allowed"},
		{"X-Ray TraceSummaries", "POST", "/xray.us-east-1.amazonaws.com/TraceSummaries", nil, "", "{}", 403, "operation_not_allowed"},
		{"OpenSearch _search", "POST", "/search-logs-abc.us-east-1.es.amazonaws.com/app/_search", nil, "", "{}", 403, "operation_not_allowed"},
		{"OpenSearch security plugin", "PUT", "/search-logs-abc.us-east-1.es.amazonaws.com/_plugins/_security/api/internalusers/x", nil, "", "{}", 403, "operation_not_allowed"},
		{"an escaped path that decodes to another", "POST", "/logs.us-east-1.amazonaws.com/v1%2Flogs", nil, "", "x", 403, "operation_not_allowed"},
		{"remote_write", "POST", aps, http.Header{"Content-Type": {"application/x-protobuf"}, "Content-Encoding": {"snappy"}}, "", "samples", 200, ""},
		{"localhost Host", "POST", aps, nil, "localhost:12345", "samples", 200, ""},
		{"IPv6 loopback Host", "POST", aps, nil, "[::1]:12345", "samples", 200, ""},
		{"loki behind API Gateway", "POST", "/a1b2c3.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push", nil, "", "lines", 200, ""},
		{"OpenSearch bulk by PUT", "PUT", "/search-logs-abc.us-east-1.es.amazonaws.com/_bulk", nil, "", `{"index":{"_index":"logs"}}` + "\n{}\n", 200, ""},
		{"OpenSearch bulk delete", "POST", "/search-logs-abc.us-east-1.es.amazonaws.com/logs/_bulk", nil, "", `{"delete":{"_id":"1"}}` + "\n", 403, "operation_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.Arrived.Load()
			refusedBefore := f.refusals(c.reason)
			r := httptest.NewRequest(c.method, prefix+c.target, strings.NewReader(c.body))
			r.RemoteAddr, r.Host = "127.0.0.1:40000", "127.0.0.1:12345"
			if c.host != "" {
				r.Host = c.host
			}
			for k, v := range c.header {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			f.g.ServeHTTP(w, r)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body.String())
			}
			assertSafeHeaders(t, w.Header())
			if c.reason == "" {
				up := <-f.Seen
				if f.Arrived.Load() != before+1 || up.Header.Get("Authorization") == "" || w.Body.String() != c.body {
					t.Fatalf("forwarded %d requests, echo %q", f.Arrived.Load()-before, w.Body.String())
				}
				return
			}
			if n := f.Arrived.Load() - before; n != 0 {
				t.Fatalf("a refused request reached AWS (%d arrived)", n)
			}
			if got := f.refusals(c.reason); got != refusedBefore+1 {
				t.Fatalf("aws_auth_gateway_refused_total{reason=%q} went from %v to %v", c.reason, refusedBefore, got)
			}
			if msg := strings.TrimSpace(w.Body.String()); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "aws.auth gateway: ") {
				t.Fatalf("not a one-line reason: %q", msg)
			}
		})
	}
	t.Run("absolute-form target", func(t *testing.T) {
		before := f.Arrived.Load()
		r := httptest.NewRequest("POST", prefix+aps, strings.NewReader("x"))
		r.RequestURI = "http://127.0.0.1:12345" + prefix + aps
		r.RemoteAddr, r.Host = "127.0.0.1:40000", "127.0.0.1:12345"
		w := httptest.NewRecorder()
		f.g.ServeHTTP(w, r)
		if w.Code != 400 || f.Arrived.Load() != before {
			t.Fatalf("%d %q", w.Code, w.Body.String())
		}
	})
}

func assertSafeHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("answer without nosniff and a sandboxing CSP: %v", h)
	}
}

// What reaches the gateway over a real connection, framing tricks
// included: net/http turns away conflicting lengths before the gateway
// sees them, and reads Transfer-Encoding with Content-Length by the
// Transfer-Encoding alone (RFC 9112 6.1), so exactly the body it read is
// signed and forwarded, once.
func TestGatewayAbuseOnTheWire(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.policy.MaxBodySize = 1024 })
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", f.g)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := srv.Listener.Addr().String()
	path := prefix + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	for _, c := range []struct {
		name, raw string
		status    int
		arrive    int64
	}{
		{"TE and CL", "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200, 1},
		{"duplicate CL", "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", 400, 0},
		{"absolute form elsewhere", "POST http://sts.amazonaws.com/ HTTP/1.1\r\nHost: sts.amazonaws.com\r\nContent-Length: 1\r\n\r\nx", 404, 0},
		{"chunked over the limit", "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + strings.Repeat("x", 2048) + "\r\n0\r\n\r\n", 413, 0},
		{"rebinding Host", "POST " + path + " HTTP/1.1\r\nHost: rebind.attacker.example\r\nContent-Length: 1\r\n\r\nx", 403, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.Arrived.Load()
			conn, err := net.DialTimeout("tcp", host, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(conn, c.raw); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || f.Arrived.Load() != before+c.arrive {
				t.Fatalf("status %d (want %d), %d requests reached AWS (want %d)", resp.StatusCode, c.status, f.Arrived.Load()-before, c.arrive)
			}
			if c.arrive == 1 {
				if up := <-f.Seen; up.Header.Get("Authorization") == "" || string(body) != "abc" {
					t.Fatalf("forwarded %q, signed %q", body, up.Header.Get("Authorization"))
				}
			}
		})
	}
}

// A customer-answered host (a Loki behind API Gateway) answering with a
// poisoned Date moves no clock and costs one request.
func TestGatewayPoisonedDateMovesNoClock(t *testing.T) {
	f := newFixture(t, nil)
	f.Answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(-6*time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>`)
	}
	w := f.do("POST", "/a1b2c3.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push", "127.0.0.1:1", strings.NewReader("x"), nil)
	<-f.Seen
	if w.Code != 403 || f.Arrived.Load() != 1 || f.auth.ClockOffset() != 0 {
		t.Fatalf("status %d, %d arrived, clock offset %s", w.Code, f.Arrived.Load(), f.auth.ClockOffset())
	}
}

// The upstream's answer is passed through, but it cannot set cookies on
// the agent's origin nor run as a page there.
func TestGatewayAnswersCannotRunOnTheAgentsOrigin(t *testing.T) {
	f := newFixture(t, nil)
	f.Answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Set-Cookie", "session=stolen")
		_, _ = io.WriteString(w, "<script>alert(1)</script>")
	}
	w := f.do("POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:1", strings.NewReader("x"), nil)
	<-f.Seen
	assertSafeHeaders(t, w.Header())
	if w.Code != 200 || w.Header().Get("Set-Cookie") != "" || w.Body.String() != "<script>alert(1)</script>" {
		t.Fatalf("%d %v %q", w.Code, w.Header(), w.Body.String())
	}
}

// Bodies beyond the memory budget get 503 busy with Retry-After, which
// remote_write and loki.write retry; once bodies finish there is room again.
func TestGatewayBoundsTheBodiesInFlight(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.policy.MaxBodySize = 1024 })
	release := make(chan struct{})
	f.Answer = func(w http.ResponseWriter, r *http.Request) { <-release }
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", f.g)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + prefix + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	post := func(body string) *http.Response {
		resp, err := http.Post(url, "application/x-protobuf", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	done := make(chan int, bounds.BudgetBodies)
	for i := 0; i < bounds.BudgetBodies; i++ {
		go func() {
			if resp := post(strings.Repeat("x", 1024)); resp != nil {
				done <- resp.StatusCode
			}
		}()
		<-f.Seen // in flight upstream, holding its share of the budget
	}
	resp := post("one more")
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("beyond the budget: %v", resp)
	}
	if n := f.refusals("busy"); n != 1 {
		t.Fatalf("busy refusals %v", n)
	}
	close(release)
	for i := 0; i < bounds.BudgetBodies; i++ {
		if s := <-done; s != 200 {
			t.Fatalf("a request within the budget got %d", s)
		}
	}
	if resp := post("again"); resp == nil || resp.StatusCode != 200 {
		t.Fatalf("after the bodies finished: %v", resp)
	}
}

// An upstream that never answers is given up after response_header_timeout.
func TestGatewayResponseHeaderTimeout(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.policy.ResponseHeaderTimeout = 200 * time.Millisecond })
	f.Answer = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	start := time.Now()
	w := f.do("POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:1", strings.NewReader("x"), nil)
	<-f.Seen
	if w.Code != http.StatusGatewayTimeout || !strings.Contains(w.Body.String(), "response_header_timeout") || time.Since(start) > 10*time.Second {
		t.Fatalf("%d %q after %s", w.Code, w.Body.String(), time.Since(start))
	}
	if n := f.refusals("upstream_timeout"); n != 1 {
		t.Fatalf("upstream_timeout refusals %v", n)
	}
}

// gateway { unrestricted_services } widens a service to any operation,
// above the same forbidden floor, and the refusal names it.
func TestUnrestrictedServicesWidenTheOperations(t *testing.T) {
	const search = "/search-logs-abc.us-east-1.es.amazonaws.com/app/_search"
	f := newFixture(t, nil)
	w := f.do("POST", search, "127.0.0.1:1", strings.NewReader("{}"), nil)
	if w.Code != 403 || !strings.Contains(w.Body.String(), "POST /app/_search on es") || !strings.Contains(w.Body.String(), "unrestricted_services") {
		t.Fatalf("%d %q: want the operation and the setting named", w.Code, w.Body.String())
	}
	f = newFixture(t, func(s *setup) { s.policy.UnrestrictedServices = []string{"es"} })
	if w := f.do("POST", search, "127.0.0.1:1", strings.NewReader("{}"), nil); w.Code != 200 {
		t.Fatalf("with es unrestricted: %d %q", w.Code, w.Body.String())
	}
	<-f.Seen
	// A service outside the table is signed for only when unrestricted.
	f = newFixture(t, func(s *setup) { s.policy.Services = append(s.policy.Services, "lambda") })
	if w := f.do("POST", "/lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/code", "127.0.0.1:1", strings.NewReader("{}"), nil); w.Code != 403 || !strings.Contains(w.Body.String(), "knows no telemetry write of \"lambda\"") {
		t.Fatalf("lambda outside the table: %d %q", w.Code, w.Body.String())
	}
}
