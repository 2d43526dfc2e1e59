package tests

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
	"github.com/grafana/agent/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

const sessionToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue1234567890"

var (
	agentOnce sync.Once
	agentBin  string
	agentErr  error
)

// sharedAgent builds aws-agent once for the tests that run it.
func sharedAgent(t *testing.T) string {
	t.Helper()
	agentOnce.Do(func() {
		dir, err := os.MkdirTemp("", "aws-agent-bin-")
		if err != nil {
			agentErr = err
			return
		}
		agentBin = filepath.Join(dir, "aws-agent")
		// -buildvcs=auto as the Makefile: the commit in agent_build_info
		// and `aws-agent version` (a machine may set -buildvcs=false in GOFLAGS).
		cmd := exec.Command("go", "build", "-buildvcs=auto", "-o", agentBin, "../cmd/aws-agent")
		cmd.Env = append(os.Environ(), goCaches...)
		if out, err := cmd.CombinedOutput(); err != nil {
			agentErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if agentErr != nil {
		t.Fatal(agentErr)
	}
	return agentBin
}

// Secret hygiene: with known secrets, drive success and failures through
// the component, the UI API, /metrics, debug logs, `aws-agent check` and
// `aws-agent sign`, and look for every secret everywhere. The only place a
// secret may appear is the X-Amz-Security-Token header of a request as
// sent (`sign --print request` prints exactly that).
func TestNoSecretLeaksAnywhere(t *testing.T) {
	h := newHarness(t)
	xray := receivers.NewOTLP(h.keys, "xray")
	xrayURL := h.serve(xray)
	recv := freeAddr(t)
	config := fmt.Sprintf(`
aws.auth "good" {
	region            = "us-east-1"
	service           = "xray"
	access_key_id     = %[1]q
	secret_access_key = %[2]q
	role_arn          = %[3]q
	external_id       = %[4]q
	sts_endpoint      = "${STS}"
}

aws.auth "denied" {
	region            = "us-east-1"
	access_key_id     = %[1]q
	secret_access_key = %[2]q
	role_arn          = %[3]q
	external_id       = "wrong-external-id"
	sts_endpoint      = "${STS}"
}

aws.auth "unknown_key" {
	region            = "us-east-1"
	access_key_id     = "AKIAUNKNOWNEXAMPLE01"
	secret_access_key = "unknownSecretKeyValueEXAMPLE0123456789ab"
	session_token     = %[5]q
	sts_endpoint      = "${STS}"
}

aws.auth "certificate" {
	roles_anywhere {
		trust_anchor_arn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0a1b2c3d-edge"
		profile_arn      = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/4e5f6a7b-edge"
		role_arn         = "arn:aws:iam::111122223333:role/edge-telemetry"
		certificate_file = %[8]q
		private_key_file = %[9]q
	}
}

otelcol.receiver.otlp "in" {
	http { endpoint = %[6]q }
	output { traces = [otelcol.exporter.otlphttp.xray.input] }
}

otelcol.exporter.otlphttp "xray" {
	client {
		endpoint = %[7]q
		auth     = aws.auth.good.handler
	}
}
`, baseKeyID, baseSecret, roleARN, externalID, sessionToken, recv, xrayURL, filepath.Join(h.dir, "agent.crt"), filepath.Join(h.dir, "agent.key"))
	// Roles Anywhere's private key: every line of it is a secret.
	rolesAnywhereForExample(t, h)
	t.Setenv("AWS_ENDPOINT_URL_STS", h.stsURL) // its identity check, in the agent and in check
	keyPEM, err := os.ReadFile(filepath.Join(h.dir, "agent.key"))
	if err != nil {
		t.Fatal(err)
	}
	var keyLines []string
	for _, l := range strings.Split(string(keyPEM), "\n") {
		if len(l) >= 16 && !strings.HasPrefix(l, "-----") {
			keyLines = append(keyLines, l)
		}
	}
	if len(keyLines) == 0 {
		t.Fatal("no key lines to look for")
	}
	h.start(config)

	traces := ptrace.NewTraces()
	traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("secret-test")
	body, _ := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
	post(t, "http://"+recv+"/v1/traces", body)
	eventually(t, 15*time.Second, "the span arrives", func() bool { return len(xray.Spans()) == 1 })
	eventually(t, 15*time.Second, "both failures are reported, and the certificate's credentials", func() bool {
		return h.health("aws.auth.certificate").Health == component.HealthTypeHealthy &&
			h.health("aws.auth.denied").Health == component.HealthTypeUnhealthy &&
			strings.Contains(h.health("aws.auth.denied").Message, "AccessDenied") &&
			strings.Contains(h.health("aws.auth.unknown_key").Message, "InvalidClientTokenId")
	})

	// The secrets are read at every check: aws-agent check gets fresh
	// session keys from the same STS, and those must not show either.
	check := func(where string, text []byte) {
		t.Helper()
		for _, s := range append(append(h.secrets(), "unknownSecretKeyValueEXAMPLE0123456789ab", sessionToken), keyLines...) {
			if bytes.Contains(text, []byte(s)) {
				t.Fatalf("a secret (%s...) appears in %s", s[:6], where)
			}
		}
	}
	check("the UI API component list", h.get("/api/v0/web/components"))
	for _, id := range []string{"aws.auth.good", "aws.auth.denied", "aws.auth.unknown_key", "aws.auth.certificate", "otelcol.exporter.otlphttp.xray"} {
		check("the UI API detail of "+id, h.get("/api/v0/web/components/"+id))
	}
	check("/metrics", h.get("/metrics"))
	check("the debug logs", h.logs.Bytes())

	// aws-agent check, on success and on failure.
	bin := sharedAgent(t)
	file := filepath.Join(h.dir, "config.river")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(config, "${STS}", h.stsURL)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	issued := len(h.secrets())
	out, _ := exec.CommandContext(ctx, bin, "check", "--config", file).CombinedOutput()
	if len(h.secrets()) <= issued {
		t.Fatalf("aws-agent check got no session keys of its own from the STS: the scan would not cover them")
	}
	if !bytes.Contains(out, []byte("OK")) || !bytes.Contains(out, []byte("AccessDenied")) || !bytes.Contains(out, []byte("InvalidClientTokenId")) ||
		!bytes.Contains(out, []byte("roles_anywhere (certificate CN=edge-host-7")) {
		t.Fatalf("check output:\n%s", out)
	}
	check("aws-agent check", out)

	// aws-agent sign, every --print, credentials from the environment.
	raw := "POST /v1/traces HTTP/1.1\r\nHost: xray.us-east-1.amazonaws.com\r\nContent-Type: application/x-protobuf\r\n\r\nbody"
	for _, what := range []string{"request", "canonical-request", "string-to-sign", "signature", "authorization"} {
		cmd := exec.CommandContext(ctx, bin, "sign", "--print", what)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+baseKeyID, "AWS_SECRET_ACCESS_KEY="+baseSecret, "AWS_SESSION_TOKEN="+sessionToken)
		cmd.Stdin = strings.NewReader(raw)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sign --print %s: %v\n%s", what, err, out)
		}
		if what == "request" {
			// The security token header goes upstream by design; nothing else may show it.
			out = bytes.Replace(out, []byte("X-Amz-Security-Token: "+sessionToken), nil, 1)
		}
		check("aws-agent sign --print "+what, out)
	}
}
