package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
	"github.com/grafana/agent/component"
)

// What each example's credentials come from, and so which fakes it gets:
// IMDS only where the example relies on the instance profile, so that an
// IRSA or static example that fell through to IMDS would fail.
var exampleSources = map[string]struct {
	source string // the health message's "credentials from SOURCE"
	imds   bool
	irsa   bool
	ra     bool // IAM Roles Anywhere: the source names the certificate
}{
	"amp-irsa.river":                {source: "web_identity", irsa: true},
	"cross-account.river":           {source: "imds, then AssumeRole arn:aws:iam::444455556666:role/central-telemetry-writer", imds: true},
	"ec2-instance-profile.river":    {source: "imds", imds: true},
	"loki-api-gateway.river":        {source: "imds", imds: true},
	"multi-region.river":            {source: "imds", imds: true},
	"otlp-xray-cloudwatch.river":    {source: "imds", imds: true},
	"static-keys.river":             {source: "static"},
	"roles-anywhere.river":          {ra: true},
	"s3-logs-irsa.river":            {source: "web_identity", irsa: true},
	"s3-traces-cross-account.river": {source: "imds, then AssumeRole arn:aws:iam::987654321098:role/TempoTraceWriterRole", imds: true},
}

// Every example loads with the real controller, and each of its aws.auth
// components gets credentials from the source the example is about,
// against fakes reached through the knobs users have:
// AWS_ENDPOINT_URL_STS, AWS_EC2_METADATA_SERVICE_ENDPOINT and the IRSA
// variables.
func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../examples/*.river")
	if err != nil || len(files) < 7 {
		t.Fatalf("examples: %v %v", files, err)
	}
	authBlock := regexp.MustCompile(`(?m)^aws\.auth "(\w+)"`)
	for _, file := range files {
		if filepath.Base(file) == "demo.river" {
			continue // TestDemo runs it, with the fake AWS it expects
		}
		want, ok := exampleSources[filepath.Base(file)]
		if !ok {
			t.Errorf("%s: no entry in exampleSources", file)
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			h := newHarness(t)
			h.sts.RequireExternalID("arn:aws:iam::444455556666:role/central-telemetry-writer", "tenant-42")
			h.sts.RequireExternalID("arn:aws:iam::987654321098:role/TempoTraceWriterRole", "tempo-archive")
			if want.imds {
				t.Setenv("AWS_EC2_METADATA_DISABLED", "")
				t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", h.serve(&fakeaws.IMDS{Keys: h.keys}))
			}
			t.Setenv("AWS_ENDPOINT_URL_STS", h.stsURL)
			t.Setenv("DEV_AWS_ACCESS_KEY_ID", baseKeyID)
			t.Setenv("DEV_AWS_SECRET_ACCESS_KEY", baseSecret)
			if want.irsa {
				const oidc = "eyJhbGciOiJSUzI1NiJ9.example.token"
				token := filepath.Join(h.dir, "token")
				if err := os.WriteFile(token, []byte(oidc), 0o600); err != nil {
					t.Fatal(err)
				}
				h.sts.AcceptWebIdentityTokens(oidc)
				t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/amp-writer")
				t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
			}
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var notAfter time.Time
			if want.ra {
				want.source, notAfter = rolesAnywhereForExample(t, h)
				// The certificate is where the example reads it, in a
				// temporary directory instead of /etc/pki/aws-agent.
				text = []byte(strings.ReplaceAll(string(text), "/etc/pki/aws-agent/", h.dir+"/"))
			}
			h.start(string(text))
			labels := authBlock.FindAllStringSubmatch(string(text), -1)
			if len(labels) == 0 {
				t.Fatal("no aws.auth in the example")
			}
			for _, m := range labels {
				id := "aws.auth." + m[1]
				var last component.Health
				eventually(t, 15*time.Second, id+" resolves credentials", func() bool {
					last = h.health(id)
					return last.Health == component.HealthTypeHealthy
				})
				if !strings.HasPrefix(last.Message, "credentials from "+want.source+" as ") {
					t.Fatalf("%s: %s, want credentials from %s", id, last.Message, want.source)
				}
				// The certificate's end, for an alert days ahead; 0 without
				// Roles Anywhere.
				gauge := fmt.Sprintf("aws_auth_certificate_expiry_timestamp_seconds{component_id=%q} ", id)
				if want.ra {
					gauge += strconv.FormatFloat(float64(notAfter.Unix()), 'g', -1, 64)
				} else {
					gauge += "0"
				}
				if m := h.get("/metrics"); !bytes.Contains(m, []byte(gauge+"\n")) {
					t.Fatalf("%s: metrics lack %q:\n%s", id, gauge, grepLines(m, "aws_auth_certificate"))
				}
				if want.ra {
					d := debugInfo(t, "http://"+h.agent.Addr+"/api/v0/web/components/"+id)
					if d["certificate_subject"] != "CN=edge-host-7,O=Example Corp" || d["certificate_serial"] == "" || d["certificate_issuer"] != "CN=Example Corp Root CA" || d["certificate_not_after"] == "" {
						t.Fatalf("%s: debug info %v, want the certificate", id, d)
					}
				}
			}
		})
	}
}

// rolesAnywhereForExample serves a fake IAM Roles Anywhere for
// roles-anywhere.river's trust anchor and profile, reached through
// AWS_ENDPOINT_URL_ROLESANYWHERE, puts a certificate and key where the
// example reads them (under h.dir), and returns the source the health
// message must name and the certificate's end.
func rolesAnywhereForExample(t *testing.T, h *harness) (string, time.Time) {
	ca := pki.NewCA("Example Corp Root CA")
	ra := pki.NewRolesAnywhere(h.keys, ca, "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0a1b2c3d-edge",
		"arn:aws:rolesanywhere:eu-west-1:111122223333:profile/4e5f6a7b-edge", "arn:aws:iam::111122223333:role/edge-telemetry")
	t.Setenv("AWS_ENDPOINT_URL_ROLESANYWHERE", h.serve(ra))
	leaf, _, _, err := ca.WriteLeaf(h.dir, "edge-host-7", time.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("roles_anywhere (certificate %s, serial %s, issuer %s, valid until %s)",
		leaf.Subject, leaf.SerialNumber, leaf.Issuer, leaf.NotAfter.UTC().Format(time.RFC3339)), leaf.NotAfter
}
