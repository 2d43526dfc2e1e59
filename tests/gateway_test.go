package tests

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/agent/pkg/flow"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// fakeAWSEndpoints is the FakeAWS of the receivers package, with the
// harness's keyring and STS.
type fakeAWSEndpoints struct {
	amp    *receivers.AMP
	loki   *receivers.Loki
	server *pki.AWSServer
	proxy  *pki.Proxy
}

const (
	ampHost  = receivers.AMPHost
	lokiHost = receivers.LokiHost
	ampPath  = "/workspaces/ws-1/api/v1/remote_write"
	lokiPath = "/prod/loki/api/v1/push"
)

func newFakeAWSEndpoints(t *testing.T, keys *awsauthtest.Keyring) *fakeAWSEndpoints {
	f := receivers.StartFakeAWS()
	t.Cleanup(f.Close)
	// Share the harness's keyring: the fake endpoints verify what its STS
	// issues, and accept only sessions of the assumed role, in us-east-1:
	// a request signed with the base user's keys, or for another region,
	// is refused as AWS would refuse it.
	for _, h := range []*fakeaws.Endpoint{f.AMP.Endpoint, f.Loki.Endpoint} {
		h.Verifier.Keys = keys
		h.Verifier.Accept = awsauthtest.AssumedRole(roleARN)
		h.Verifier.Region = "us-east-1"
	}
	return &fakeAWSEndpoints{amp: f.AMP, loki: f.Loki, server: f.Server, proxy: f.Proxy}
}

// authBlock is an aws.auth with the cross-account role, reaching the fake
// endpoints through the proxy and trusting their CA.
func (f *fakeAWSEndpoints) authBlock(label, extra string) string {
	return fmt.Sprintf(`
aws.auth %q {
	region            = "us-east-1"
	access_key_id     = %q
	secret_access_key = %q
	role_arn          = %q
	external_id       = %q
	sts_endpoint      = "${STS}"
	http_client_config {
		proxy_url = %q
		no_proxy  = "127.0.0.1"
		tls_config { ca_pem = %q }
	}
	%s
}
`, label, baseKeyID, baseSecret, roleARN, externalID, f.proxy.URL, f.server.CAPEM, extra)
}

// scrapeTarget serves ten gauges whose value is the scrape's number, so
// that each sample says which scrape produced it.
type scrapeTarget struct{ scrapes atomic.Int64 }

func (s *scrapeTarget) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	n := s.scrapes.Add(1)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# TYPE test_metric gauge")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(w, "test_metric{i=\"%d\"} %d\n", i, n)
	}
}

// assertAllScrapesArrived waits until every sample of scrapes 1..n has
// arrived, and checks that none arrived twice.
func assertAllScrapesArrived(t *testing.T, amp *receivers.AMP, n int64, within time.Duration) {
	t.Helper()
	var missing string
	deadline := time.Now().Add(within)
	for {
		missing = ""
		values := amp.Values("__name__=test_metric")
		for i := 0; i < 10 && missing == ""; i++ {
			seen := map[float64]bool{}
			for k, vs := range values {
				if strings.Contains(k, fmt.Sprintf("i=%d,", i)) || strings.Contains(k, fmt.Sprintf("i=%d}", i)) {
					for _, v := range vs {
						seen[v] = true
					}
				}
			}
			for k := int64(1); k <= n; k++ {
				if !seen[float64(k)] {
					missing = fmt.Sprintf("series i=%d lacks the sample of scrape %d", i, k)
					break
				}
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("samples lost: %s", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Exactly once over the whole run: a re-send would come after the last
	// sample, within remote_write's retry backoff (2 s at most here).
	time.Sleep(3 * time.Second)
	if d := amp.Duplicates(); len(d) > 0 {
		t.Fatalf("%d samples arrived more than once, e.g. %s", len(d), d[0])
	}
}

// gatewayRefusals reads aws_auth_gateway_refused_total of a component from
// /metrics, by reason.
func gatewayRefusals(h *harness, component string) map[string]float64 {
	return refusalsIn(h.get("/metrics"), component)
}

// refusalsAt reads the refusal counter of the agent at addr.
func refusalsAt(t *testing.T, addr, component string) map[string]float64 {
	t.Helper()
	_, metrics := getPage(t, "http://"+addr+"/metrics")
	return refusalsIn(metrics, component)
}

// refusalsIn parses aws_auth_gateway_refused_total out of /metrics text.
func refusalsIn(metrics []byte, component string) map[string]float64 {
	out := map[string]float64{}
	prefix := `aws_auth_gateway_refused_total{component_id="` + component + `",reason="`
	for _, line := range strings.Split(string(metrics), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			reason, value, _ := strings.Cut(rest, `"} `)
			out[reason], _ = strconv.ParseFloat(value, 64)
		}
	}
	return out
}

// assertNothingRefused reads the gateway's own refusal counter: zero for
// every reason.
func assertNothingRefused(t *testing.T, h *harness, component string) {
	t.Helper()
	for reason, n := range gatewayRefusals(h, component) {
		if n != 0 {
			t.Fatalf("the gateway refused %v requests for %s", n, reason)
		}
	}
}

func remoteWriteConfig(f *fakeAWSEndpoints, target string) string {
	return f.authBlock("amp", "") + fmt.Sprintf(`
prometheus.scrape "target" {
	targets         = [{"__address__" = %q}]
	forward_to      = [prometheus.remote_write.amp.receiver]
	scrape_interval = "500ms"
	scrape_timeout  = "400ms"
}

prometheus.remote_write "amp" {
	endpoint {
		url = aws.auth.amp.gateway_url + "/%s%s"
		queue_config {
			batch_send_deadline = "200ms"
			min_backoff         = "100ms"
			max_backoff         = "2s"
		}
	}
}
`, target, ampHost, ampPath)
}

// Unmodified prometheus.remote_write, fed by a real scrape, writes through
// the gateway to a fake AMP that verifies every signature: every sample
// arrives exactly once.
func TestRemoteWriteThroughTheGateway(t *testing.T) {
	h := newHarness(t)
	f := newFakeAWSEndpoints(t, h.keys)
	target := &scrapeTarget{}
	h.start(remoteWriteConfig(f, strings.TrimPrefix(h.serve(target), "http://")))

	eventually(t, 10*time.Second, "five scrapes", func() bool { return target.scrapes.Load() >= 5 })
	assertAllScrapesArrived(t, f.amp, target.scrapes.Load(), 20*time.Second)
	if _, rejected := f.amp.Endpoint.Counts(); len(rejected) != 0 {
		t.Fatalf("AMP rejected requests: %v", rejected)
	}
	if targets := f.proxy.Targets(); len(targets) == 0 || targets[0] != ampHost+":443" {
		t.Fatalf("proxy targets %v", targets)
	}
	assertNothingRefused(t, h, "aws.auth.amp")
	h.assertNoSecret("the logs", h.logs.Bytes())
}

// AMP answers 503 for 60 seconds, then recovers: remote_write retries
// through the gateway and nothing is lost.
func TestRemoteWriteSurvivesA503Storm(t *testing.T) {
	h := newHarness(t)
	f := newFakeAWSEndpoints(t, h.keys)
	target := &scrapeTarget{}
	h.start(remoteWriteConfig(f, strings.TrimPrefix(h.serve(target), "http://")))
	// remote_write reads its WAL every 15s when not notified.
	eventually(t, 30*time.Second, "the first samples", func() bool { return len(f.amp.Values("test_metric")) > 0 })

	f.amp.FailStatus.Store(503)
	time.Sleep(60 * time.Second)
	if f.amp.Failed() == 0 {
		t.Fatal("no request met the outage")
	}
	f.amp.FailStatus.Store(0)
	n := target.scrapes.Load()
	assertAllScrapesArrived(t, f.amp, n, 60*time.Second)
}

// AMP drops the connection in the middle of the first requests' bodies:
// the gateway answers 502, remote_write retries, nothing is lost or doubled.
func TestRemoteWriteSurvivesConnectionsClosedMidBody(t *testing.T) {
	h := newHarness(t)
	f := newFakeAWSEndpoints(t, h.keys)
	f.amp.CloseMidBody.Store(3)
	target := &scrapeTarget{}
	h.start(remoteWriteConfig(f, strings.TrimPrefix(h.serve(target), "http://")))
	eventually(t, 10*time.Second, "five scrapes", func() bool { return target.scrapes.Load() >= 5 })
	assertAllScrapesArrived(t, f.amp, target.scrapes.Load(), 40*time.Second)
	if n := f.amp.CloseMidBody.Load(); n >= 0 {
		t.Fatalf("only %d of 3 connections were dropped", 3-n)
	}
	if !bytes.Contains(h.get("/metrics"), []byte(`aws_auth_gateway_refused_total{component_id="aws.auth.amp",reason="upstream_error"}`)) {
		t.Fatal("the upstream failures were not counted")
	}
}

// Credentials that expire every few seconds are refreshed ahead of time:
// no request is refused and nothing is lost.
func TestRemoteWriteAcrossCredentialRefreshes(t *testing.T) {
	h := newHarness(t)
	h.sts.TTL = 4 * time.Second
	f := newFakeAWSEndpoints(t, h.keys)
	target := &scrapeTarget{}
	h.start(remoteWriteConfig(f, strings.TrimPrefix(h.serve(target), "http://")))
	time.Sleep(12 * time.Second)
	if n := len(h.sts.CallsOf("AssumeRole")); n < 3 {
		t.Fatalf("only %d AssumeRole calls in 12s with 4s credentials", n)
	}
	assertAllScrapesArrived(t, f.amp, target.scrapes.Load(), 20*time.Second)
	if _, rejected := f.amp.Endpoint.Counts(); len(rejected) != 0 {
		t.Fatalf("requests refused across refreshes: %v", rejected)
	}
	assertNothingRefused(t, h, "aws.auth.amp")
}

// Unmodified loki.write, fed by loki.source.file, pushes through the
// gateway to a Loki behind API Gateway (execute-api): all lines arrive, in
// order.
func TestLokiWriteThroughTheGateway(t *testing.T) {
	h := newHarness(t)
	f := newFakeAWSEndpoints(t, h.keys)
	logFile := filepath.Join(h.dir, "app.log")
	if err := os.WriteFile(logFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h.start(f.authBlock("loki", "") + fmt.Sprintf(`
loki.source.file "app" {
	targets    = [{"__path__" = %q, "job" = "app"}]
	forward_to = [loki.write.api_gateway.receiver]
}

loki.write "api_gateway" {
	endpoint {
		url            = aws.auth.loki.gateway_url + "/%s%s"
		batch_wait     = "200ms"
		min_backoff_period = "100ms"
	}
}
`, logFile, lokiHost, lokiPath))

	const n = 200
	var want []string
	file, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let the tailer open the file
	for i := 0; i < n; i++ {
		line := fmt.Sprintf("line %03d", i)
		want = append(want, line)
		fmt.Fprintln(file, line)
	}
	file.Close()
	var got []string
	eventually(t, 20*time.Second, "all lines arrive", func() bool {
		got = nil
		for _, lines := range f.loki.Lines() {
			got = append(got, lines...)
		}
		return len(got) >= n
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines differ from those written:\n%v", got)
	}
	if _, rejected := f.loki.Endpoint.Counts(); len(rejected) != 0 {
		t.Fatalf("requests rejected: %v", rejected)
	}
}

// The router keeps the components it found until the next load: a
// gateway the reload removed answers no more, and the one it added does.
func TestAReloadedGatewayIsTheOneThatAnswers(t *testing.T) {
	h := newHarness(t)
	block := func(label string) string {
		return fmt.Sprintf("aws.auth %q {\n\tregion = \"us-east-1\"\n\taccess_key_id = %q\n\tsecret_access_key = %q\n\tverify_identity = false\n}\n", label, baseKeyID, baseSecret)
	}
	config := filepath.Join(t.TempDir(), "config.river")
	if err := os.WriteFile(config, []byte(block("old")), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := agentrun.Start(context.Background(), agentrun.Options{
		ListenAddr: freeAddr(t), StoragePath: h.dir, LogWriter: h.logs,
		Load: func() (*flow.Source, error) {
			b, err := os.ReadFile(config)
			if err != nil {
				return nil, err
			}
			return flow.ParseSource(config, b)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Stop)
	ask := func(label string) (int, string) {
		// A host no telemetry writer sends to: the gateway refuses it
		// without going anywhere.
		resp, err := http.Post("http://"+a.Addr+"/api/v0/component/aws.auth."+label+"/example.com/x", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range 2 { // found, then kept
		if _, body := ask("old"); !strings.HasPrefix(body, "aws.auth gateway:") {
			t.Fatalf("aws.auth.old's gateway did not answer: %q", body)
		}
	}
	if err := os.WriteFile(config, []byte(block("new")), 0o600); err != nil {
		t.Fatal(err)
	}
	if status, body := postPage(t, "http://"+a.Addr+"/-/reload"); status != 200 {
		t.Fatalf("/-/reload: %d %s", status, body)
	}
	if status, body := ask("old"); status != http.StatusNotFound || !strings.Contains(body, "no component named") {
		t.Errorf("after the reload removed it, aws.auth.old's gateway answers %d %q, want 404", status, body)
	}
	if _, body := ask("new"); !strings.HasPrefix(body, "aws.auth gateway:") {
		t.Errorf("aws.auth.new's gateway did not answer: %q", body)
	}
}
