package tests

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Unmodified otelcol.exporter.otlphttp components sign through aws.auth's
// handler: traces to a fake X-Ray, logs to a fake CloudWatch Logs, both
// verifying every signature; what arrives equals what was sent.
func TestOtelcolExportersSignThroughTheHandler(t *testing.T) {
	h := newHarness(t)
	xray := receivers.NewOTLP(h.keys, "xray")
	cwlogs := receivers.NewOTLP(h.keys, "logs")
	cwlogs.RequireHeaders = []string{"X-Aws-Log-Group", "X-Aws-Log-Stream"}
	// X-Ray takes the assumed role's sessions only; CloudWatch Logs the
	// base user's long-term key (its aws.auth assumes no role). Both pin
	// the region.
	xray.Endpoint.Verifier.Accept = awsauthtest.AssumedRole(roleARN)
	cwlogs.Endpoint.Verifier.Accept = func(k awsauthtest.Key) bool { return k.AccessKeyID == baseKeyID }
	xray.Endpoint.Verifier.Region, cwlogs.Endpoint.Verifier.Region = "us-east-1", "us-east-1"
	xrayURL, logsURL := h.serve(xray), h.serve(cwlogs)
	recv := freeAddr(t)

	h.start(fmt.Sprintf(`
aws.auth "xray" {
	region            = "us-east-1"
	service           = "xray"
	access_key_id     = %[1]q
	secret_access_key = %[2]q
	role_arn          = %[3]q
	external_id       = %[4]q
	sts_endpoint      = "${STS}"
}

aws.auth "logs" {
	region            = "us-east-1"
	service           = "logs"
	access_key_id     = %[1]q
	secret_access_key = %[2]q
	sts_endpoint      = "${STS}"
}

otelcol.receiver.otlp "in" {
	http { endpoint = %[5]q }
	output {
		traces = [otelcol.exporter.otlphttp.xray.input]
		logs   = [otelcol.exporter.otlphttp.cwlogs.input]
	}
}

otelcol.exporter.otlphttp "xray" {
	client {
		endpoint = %[6]q
		auth     = aws.auth.xray.handler
	}
}

otelcol.exporter.otlphttp "cwlogs" {
	client {
		endpoint = %[7]q
		auth     = aws.auth.logs.handler
		headers  = { "x-aws-log-group" = "agent", "x-aws-log-stream" = "e2e" }
	}
}
`, baseKeyID, baseSecret, roleARN, externalID, recv, xrayURL, logsURL))

	const n = 50
	var sent []string
	traces := ptrace.NewTraces()
	spans := traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	logs := plog.NewLogs()
	records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("span-%03d", i)
		sent = append(sent, name)
		s := spans.AppendEmpty()
		s.SetName(name)
		s.SetTraceID([16]byte{1, byte(i)})
		s.SetSpanID([8]byte{2, byte(i)})
		records.AppendEmpty().Body().SetStr("line-" + name)
	}
	traceBody, _ := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
	logBody, _ := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	post(t, "http://"+recv+"/v1/traces", traceBody)
	post(t, "http://"+recv+"/v1/logs", logBody)

	eventually(t, 30*time.Second, "all spans and log records arrive", func() bool {
		return len(xray.Spans()) >= n && len(cwlogs.Records()) >= n
	})
	got := xray.Spans()
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(sent, ",") {
		t.Fatalf("spans received differ from those sent:\n%v", got)
	}
	for i, r := range cwlogs.Records() {
		if r != "line-"+sent[i] {
			t.Fatalf("log record %d is %q", i, r)
		}
	}
	for _, ep := range []*receivers.OTLP{xray, cwlogs} {
		if _, rejected := ep.Endpoint.Counts(); len(rejected) != 0 {
			t.Fatalf("requests rejected: %v", rejected)
		}
	}
	// The cross-account role was assumed with the external id.
	if calls := h.sts.CallsOf("AssumeRole"); len(calls) == 0 || calls[0].Params.Get("ExternalId") != externalID {
		t.Fatalf("AssumeRole calls %+v", calls)
	}
	if hdr := cwlogs.Headers()[0]; !strings.Contains(hdr.Get("Authorization"), "x-aws-log-group") {
		t.Fatalf("the log group header was not signed: %s", hdr.Get("Authorization"))
	}

	// Health and debug info in the UI API; no secret anywhere.
	detail := h.componentJSON("aws.auth.xray")
	raw := h.get("/api/v0/web/components/aws.auth.xray")
	health, _ := detail["health"].(map[string]any)
	if health["state"] != "healthy" || !strings.Contains(fmt.Sprint(health["message"]), "AssumeRole "+roleARN+" as arn:aws:sts::444455556666:assumed-role/telemetry-writer/") {
		t.Fatalf("health in the UI API: %v", health)
	}
	for _, want := range []string{"credential_source", "access_key_id", "ASIA", "identity_arn", "signed_requests", "xray"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Fatalf("UI API detail lacks %q: %s", want, raw)
		}
	}
	h.assertNoSecret("the UI API component detail", raw)
	h.assertNoSecret("the UI API component list", h.get("/api/v0/web/components"))
	metrics := h.get("/metrics")
	if !bytes.Contains(metrics, []byte(`aws_auth_signed_requests_total{component_id="aws.auth.xray",service="xray"}`)) {
		t.Fatalf("metrics lack the signed request counter:\n%s", grepLines(metrics, "aws_auth"))
	}
	h.assertNoSecret("/metrics", metrics)
	h.assertNoSecret("the logs", h.logs.Bytes())
	t.Logf("health: %s", health["message"])
}

// post sends body, waiting for the receiver to come up: components start
// in the background after the load.
func post(t *testing.T, url string, body []byte) {
	t.Helper()
	eventually(t, 10*time.Second, "POST "+url+" succeeds", func() bool {
		resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

func grepLines(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
