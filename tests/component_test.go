package tests

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/grafana/agent/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

// Health follows what happens: no credentials, then credentials, then STS
// refusing the role.
func TestHealthTransitions(t *testing.T) {
	h := newHarness(t)
	h.sts.TTL = 3 * time.Second
	credFile := filepath.Join(h.dir, "credentials")
	h.start(fmt.Sprintf(`
aws.auth "main" {
	region                  = "us-east-1"
	shared_credentials_file = %q
	shared_config_file      = %q
	role_arn                = %q
	external_id             = %q
	sts_endpoint            = "${STS}"
}
`, credFile, filepath.Join(h.dir, "config"), roleARN, externalID))

	eventually(t, 10*time.Second, "unhealthy, naming every source", func() bool {
		hl := h.health("aws.auth.main")
		return hl.Health == component.HealthTypeUnhealthy && strings.Contains(hl.Message, "NoCredentialProviders") &&
			strings.Contains(hl.Message, `profile: no profile "default" in `+credFile)
	})

	if err := os.WriteFile(credFile, []byte(fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", baseKeyID, baseSecret)), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "healthy once the credentials file appears", func() bool {
		hl := h.health("aws.auth.main")
		return hl.Health == component.HealthTypeHealthy && strings.Contains(hl.Message, `credentials from profile "default", then AssumeRole `+roleARN)
	})

	h.sts.Fail("AssumeRole", &awsauthtest.Error{Status: 403, Code: "AccessDenied"})
	var last component.Health
	eventually(t, 10*time.Second, "unhealthy naming the action AWS refused", func() bool {
		last = h.health("aws.auth.main")
		return last.Health == component.HealthTypeUnhealthy && strings.Contains(last.Message,
			"sts:AssumeRole: AccessDenied: User: "+baseARN+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
	})
	h.assertNoSecret("the logs", h.logs.Bytes())
}

// Every bad argument fails the load with the attribute's name and the
// position of the block in the file.
func TestBadArgumentsFailTheLoad(t *testing.T) {
	cases := map[string]string{
		`access_key_id = "AKIAIOSFODNN7EXAMPLE"`:                                               "secret_access_key: must be set when access_key_id is set",
		`secret_access_key = "s3cr3t-value-not-shown"`:                                         "access_key_id: must be set when secret_access_key is set",
		`session_token = "t0ken-value-not-shown"`:                                              "session_token: is only valid with access_key_id and secret_access_key",
		`external_id = "x-123"`:                                                                "external_id: requires role_arn",
		`role_arn = "arn:aws:iam::12:role/x"`:                                                  `role_arn: "arn:aws:iam::12:role/x" is not an IAM role ARN`,
		`role_arn = "arn:aws:iam::123456789012:role/x"` + "\n" + `assume_role_duration = "5m"`: "assume_role_duration: 5m0s is outside the range STS allows (15m to 12h)",
		`profile = "nope"`:                                                                     `profile: no profile "nope" in`,
		`role_arn = "arn:aws:iam::123456789012:role/x"` + "\n" + `web_identity_token_file = "/nonexistent/token"`: "web_identity_token_file: cannot read the token file",
		`region = "mars-1"`:                `region: "mars-1" is not an AWS region name`,
		`gateway { max_body_size = "0B" }`: "gateway: max_body_size: must be positive",
	}
	for body, want := range cases {
		t.Run(want, func(t *testing.T) {
			h := newHarness(t)
			config := "\n\naws.auth \"bad\" {\n\tregion = \"us-east-1\"\n\t" + strings.ReplaceAll(body, `region = "us-east-1"`, "") + "\n}\n"
			if strings.HasPrefix(body, "region") {
				config = "\n\naws.auth \"bad\" {\n\t" + body + "\n}\n"
			}
			err := h.load(config)
			if err == nil {
				t.Fatal("the load succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, want) || !regexp.MustCompile(`config\.river:3:1`).MatchString(msg) {
				t.Fatalf("error %q lacks %q or the position config.river:3:1", msg, want)
			}
			for _, secret := range []string{"s3cr3t-value-not-shown", "t0ken-value-not-shown"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("the error shows a secret: %s", msg)
				}
			}
		})
	}
}

// gRPC cannot be signed with SigV4: an otelcol.exporter.otlp pointed at a
// gRPC server through the handler must send nothing, rather than send
// unsigned.
func TestGRPCExporterSendsNothingUnsigned(t *testing.T) {
	h := newHarness(t)
	// The gRPC sink is a plain OTLP gRPC server, not a second
	// otelcol.receiver.otlp: two of those in one agent race on shutdown in
	// the collector v0.87 the agent ships (open-telemetry/opentelemetry-collector#9170).
	sink := &grpcSink{}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(srv, sink)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	in := freeAddr(t)
	h.start(fmt.Sprintf(`
aws.auth "main" {
	region            = "us-east-1"
	service           = "xray"
	access_key_id     = %q
	secret_access_key = %q
	verify_identity   = false
}

otelcol.receiver.otlp "in" {
	http { endpoint = %q }
	output { traces = [otelcol.exporter.otlp.grpc.input] }
}

otelcol.exporter.otlp "grpc" {
	client {
		endpoint = %q
		auth     = aws.auth.main.handler
		tls { insecure = true }
	}
	retry_on_failure { enabled = false }
}
`, baseKeyID, baseSecret, in, lis.Addr().String()))

	// Said when the exporter starts, before any call: aws.auth's health.
	eventually(t, 15*time.Second, "aws.auth is unhealthy, naming otlphttp", func() bool {
		hl := h.health("aws.auth.main")
		return hl.Health == component.HealthTypeUnhealthy && strings.Contains(hl.Message, "use otelcol.exporter.otlphttp")
	})

	traces := ptrace.NewTraces()
	traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("must-not-leave")
	body, _ := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
	post(t, "http://"+in+"/v1/traces", body)

	eventually(t, 15*time.Second, "the exporter reports that SigV4 over gRPC is unsupported", func() bool {
		return bytes.Contains(h.logs.Bytes(), []byte("SigV4 over gRPC is not supported: use otelcol.exporter.otlphttp"))
	})
	time.Sleep(time.Second)
	if n := sink.calls.Load(); n != 0 {
		t.Fatalf("%d export calls reached the gRPC server unsigned", n)
	}
}

// grpcSink counts the OTLP trace exports it receives.
type grpcSink struct {
	ptraceotlp.UnimplementedGRPCServer
	calls atomic.Int64
}

func (s *grpcSink) Export(context.Context, ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	s.calls.Add(1)
	return ptraceotlp.NewExportResponse(), nil
}
