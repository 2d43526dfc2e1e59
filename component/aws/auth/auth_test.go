package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/go-kit/log"
	"github.com/grafana/agent/component"
	httpservice "github.com/grafana/agent/service/http"
	rivertypes "github.com/grafana/river/rivertypes"
	"github.com/prometheus/client_golang/prometheus"
)

type exportsLog struct {
	mu  sync.Mutex
	all []Exports
}

func (l *exportsLog) last() Exports {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all[len(l.all)-1]
}

func testOptions(l *exportsLog) component.Options {
	return component.Options{
		ID:         "aws.auth.test",
		Logger:     log.NewNopLogger(),
		Registerer: prometheus.NewRegistry(),
		OnStateChange: func(e component.Exports) {
			l.mu.Lock()
			l.all = append(l.all, e.(Exports))
			l.mu.Unlock()
		},
		GetServiceData: func(name string) (interface{}, error) {
			return httpservice.Data{HTTPListenAddr: "0.0.0.0:12345", BaseHTTPPath: "/api/v0/component/"}, nil
		},
	}
}

func staticArgs(region string) Arguments {
	var a Arguments
	a.SetToDefault()
	a.Region, a.AccessKeyID, a.SecretAccessKey = region, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	a.VerifyIdentity = false
	return a
}

func TestExportsKeepTheirIdentityAcrossUpdates(t *testing.T) {
	var l exportsLog
	c, err := New(testOptions(&l), staticArgs("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	first := l.last()
	if first.GatewayURL != "http://127.0.0.1:12345/api/v0/component/aws.auth.test" {
		t.Fatalf("gateway_url %q", first.GatewayURL)
	}
	if first.Credentials.AccessKeyID != "" {
		t.Fatal("credentials exported before any refresh")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(5 * time.Second)
	for l.last().Credentials.AccessKeyID == "" {
		if time.Now().After(deadline) {
			t.Fatal("credentials never exported")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A reload that changes only the service keeps the credentials.
	withService := staticArgs("us-east-1")
	withService.Service = "aps"
	before, auth := l.last().Credentials, c.cur.Load().auth
	if err := c.Update(withService); err != nil {
		t.Fatal(err)
	}
	if got := l.last(); got.Credentials != before || c.CurrentHealth().Health != component.HealthTypeHealthy || c.cur.Load().auth != auth || c.cur.Load().args.Service != "aps" {
		t.Fatalf("service-only update lost the credentials: %+v", got.Credentials)
	}

	// Refreshes of the kept credentials are still exported.
	l.mu.Lock()
	published := len(l.all)
	l.mu.Unlock()
	if err := c.cur.Load().auth.ForceRefresh(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		n := len(l.all)
		l.mu.Unlock()
		if n > published {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a refresh after a service-only update was not exported")
		}
	}

	// Another region resolves anew; the exports keep their identity.
	if err := c.Update(staticArgs("eu-west-1")); err != nil {
		t.Fatal(err)
	}
	after := l.last()
	if after.Transport != first.Transport || after.Handler != first.Handler || after.GatewayURL != first.GatewayURL {
		t.Fatal("an update changed the identity of an export")
	}
	if got := c.cur.Load().auth.Region(); got != "eu-west-1" {
		t.Fatalf("region after update: %s", got)
	}
	for deadline := time.Now().Add(5 * time.Second); c.CurrentHealth().Health != component.HealthTypeHealthy; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("health %+v", c.CurrentHealth())
		}
	}
	if d := c.DebugInfo().(DebugInfo); d.AccessKeyID != "AKIA************MPLE" || d.CredentialSource == "" {
		t.Fatalf("debug info %+v", d)
	}
}

// The AssumeRole step's session tags, transitive keys and source identity
// go to STS and show in the debug info, for the on-call comparing them
// with a role's trust policy.
func TestSessionTagsReachSTSAndDebugInfo(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	sts := fakeaws.StartSTS(t, awsauthtest.User)
	args := staticArgs("us-east-1")
	args.AccessKeyID, args.SecretAccessKey = awsauthtest.UserKeyID, rivertypes.Secret(awsauthtest.UserSecret)
	args.RoleARN, args.STSEndpoint = awsauthtest.RoleARN, sts.URL
	args.SessionTags = map[string]string{"team": "observability"}
	args.TransitiveTagKeys, args.SourceIdentity = []string{"team"}, "agent-7"
	var l exportsLog
	c, err := New(testOptions(&l), args)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	awsauthtest.Eventually(t, 5*time.Second, "credentials from the role", func() bool {
		return c.CurrentHealth().Health == component.HealthTypeHealthy
	})
	calls := sts.CallsOf("AssumeRole")
	if len(calls) == 0 || calls[0].Params.Get("Tags.member.1.Key") != "team" || calls[0].Params.Get("SourceIdentity") != "agent-7" {
		t.Fatalf("AssumeRole calls %+v", calls)
	}
	d := c.DebugInfo().(DebugInfo)
	if d.SessionTags["team"] != "observability" || len(d.TransitiveTagKeys) != 1 || d.SourceIdentity != "agent-7" {
		t.Fatalf("debug info %+v", d)
	}
}
