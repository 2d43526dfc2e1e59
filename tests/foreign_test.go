package tests

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// foreignConfig writes to AMP through the gateway, every 10 s, and to
// nothing else.
var foreignConfig = demoAuth("") + `
prometheus.exporter.self "agent" { }

prometheus.scrape "agent" {
	targets         = prometheus.exporter.self.agent.targets
	forward_to      = [prometheus.remote_write.amp.receiver]
	scrape_interval = "10s"
}

prometheus.remote_write "amp" {
	endpoint {
		url = aws.auth.demo.gateway_url + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-demo/api/v1/remote_write"
	}
}
`

// Any local client can send through the gateway to a host of its choosing
// (any execute-api): the answers to such requests — here AWS's
// AccessDenied from an API the agent does not write to — are relayed and
// counted (aws_auth_gateway_foreign_requests_total), but aws.auth stays
// healthy: only the answers to the agent's own writes move health and
// force refreshes (#33 item 4: one foreign 403 turned it unhealthy, with
// AWS's text for a request the client chose).
func TestForeignAnswersDoNotMoveHealth(t *testing.T) {
	config := filepath.Join(t.TempDir(), "foreign.river")
	if err := os.WriteFile(config, []byte(foreignConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startAgentOn(t, config)
	d.aws.Loki.Endpoint.Verifier.Accept = func(awsauthtest.Key) bool { return false }
	eventually(t, 60*time.Second, "remote_write delivered once", func() bool { return d.aws.AMP.Samples() > 0 })

	const foreign = 5
	url := d.base + "/api/v0/component/aws.auth.demo/a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push"
	for range foreign {
		resp, err := http.Post(url, "application/x-protobuf", strings.NewReader("lines"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("the foreign request was answered %d; the fake API denies it with 403", resp.StatusCode)
		}
	}
	if _, rejected := d.aws.Loki.Endpoint.Counts(); rejected["AccessDeniedException"] != foreign {
		t.Fatalf("the fake API denied %v; want %d AccessDeniedException", rejected, foreign)
	}
	var health struct {
		Health struct{ State, Message string } `json:"health"`
	}
	resp, err := http.Get(d.base + "/api/v0/web/components/aws.auth.demo")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if health.Health.State != "healthy" || strings.Contains(health.Health.Message, "AccessDenied") {
		t.Fatalf("after %d foreign requests denied: %+v", foreign, health.Health)
	}
	_, page := getPage(t, d.base+"/metrics")
	counted := sumOf(regexp.MustCompile(`(?m)^aws_auth_gateway_foreign_requests_total\{[^}]*\} ([0-9.e+]+)$`), page)
	if counted != foreign {
		t.Fatalf("aws_auth_gateway_foreign_requests_total %v; want %d", counted, foreign)
	}
	// remote_write's host is the agent's own: its writes are not foreign.
	delivered := d.aws.AMP.Samples()
	eventually(t, 60*time.Second, "remote_write delivered again", func() bool { return d.aws.AMP.Samples() > delivered })
	_, page = getPage(t, d.base+"/metrics")
	if counted := sumOf(regexp.MustCompile(`(?m)^aws_auth_gateway_foreign_requests_total\{[^}]*\} ([0-9.e+]+)$`), page); counted != foreign {
		t.Fatalf("after remote_write's own write, aws_auth_gateway_foreign_requests_total %v; want %d", counted, foreign)
	}
}
