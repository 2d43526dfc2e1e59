package awsauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

func TestHealthTellsWhatIsWrong(t *testing.T) {
	isolateEnv(t)
	ctx := context.Background()

	// Nothing configured: every source and why.
	a, err := New(Config{Credentials: chain.Config{Region: "us-east-1"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = a.cache.Retrieve(ctx)
	h := a.Status().Health(time.Now())
	if h.Healthy || !strings.Contains(h.Message, "no AWS credentials: NoCredentialProviders") || !strings.Contains(h.Message, "imds: AWS_EC2_METADATA_DISABLED is true") {
		t.Fatalf("no credentials: %+v", h)
	}

	// Working: source, identity, expiry.
	fake := fakeaws.StartSTS(t, awsauthtest.User)
	cfg := Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret, RoleARN: awsauthtest.RoleARN, STSEndpoint: fake.URL}, VerifyIdentity: true}
	a, err = New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := a.cache.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h = a.Status().Health(time.Now())
	wantARN := "arn:aws:sts::444455556666:assumed-role/telemetry-writer/"
	if !h.Healthy || !strings.Contains(h.Message, "credentials from static, then AssumeRole "+awsauthtest.RoleARN+" as "+wantARN) || !strings.Contains(h.Message, "expire in 1") {
		t.Fatalf("healthy: %+v", h)
	}
	if s := a.Status(); s.Credentials.AccessKeyID != cache.MaskKeyID(creds.AccessKeyID) || s.Identity.AccountID != "444455556666" {
		t.Fatalf("status %+v", s.Credentials)
	}

	// AWS refuses a signed request: AccessDenied with the action and resource it named.
	ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: fake.Keys, Service: "aps", JSON: true},
		Next: func(w http.ResponseWriter, _ *http.Request, _ []byte, c awsauthtest.Caller) {
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(403)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": "User: " + c.Key.ARN + " is not authorized to perform: aps:RemoteWrite on resource: arn:aws:aps:us-east-1:444455556666:workspace/ws-1"})
		}}
	srv := newServer(t, ep)
	req, _ := http.NewRequest("POST", srv+"/workspaces/ws-1/api/v1/remote_write", strings.NewReader("x"))
	req.Host = "aps-workspaces.us-east-1.amazonaws.com"
	resp, err := a.Transport(nil, "").RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h = a.Status().Health(time.Now())
	if h.Healthy || !strings.HasPrefix(h.Message, "AccessDenied: "+wantARN) || !strings.Contains(h.Message, "is not allowed aps:RemoteWrite on arn:aws:aps:us-east-1:444455556666:workspace/ws-1") ||
		!strings.Contains(h.Message, `add to the identity policy of `+wantARN) ||
		!strings.Contains(h.Message, `: {"Effect":"Allow","Action":"aps:RemoteWrite","Resource":"arn:aws:aps:us-east-1:444455556666:workspace/ws-1"}`) {
		t.Fatalf("access denied: %+v", h)
	}

	// STS starts refusing the role: unhealthy at once, naming the action, though the old credentials still work.
	fake.STS.Fail("AssumeRole", &awsauthtest.Error{Status: 403, Code: "AccessDenied"})
	if _, err := a.cache.ForceRefresh(ctx, creds.AccessKeyID); err == nil {
		t.Fatal("refresh succeeded against a refusing STS")
	}
	h = a.Status().Health(time.Now())
	if h.Healthy || !strings.Contains(h.Message, "sts:AssumeRole: AccessDenied: User: "+awsauthtest.UserARN+" is not authorized to perform: sts:AssumeRole on resource: "+awsauthtest.RoleARN) ||
		!strings.Contains(h.Message, `{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+awsauthtest.RoleARN+`"}`) ||
		!strings.Contains(h.Message, awsauthtest.RoleARN+"'s trust policy must allow it") {
		t.Fatalf("sts access denied: %+v", h)
	}
}

// An AccessDenied that names no action (API Gateway's, AMP's plain one)
// still says what the service's telemetry writes need.
func TestHealthAccessDeniedWithoutDetail(t *testing.T) {
	s := Status{Credentials: cache.Status{Valid: true, Source: "static"},
		Requests: stats.Snapshot{LastError: &stats.RequestError{Service: "execute-api", Host: "a1.execute-api.us-east-1.amazonaws.com", At: time.Now(), Status: 403, Code: "AccessDeniedException", Class: classify.AccessDenied, Message: "User is not authorized to access this resource"}}}
	h := s.Health(time.Now())
	if h.Healthy || !strings.Contains(h.Message, "the role's identity policy must allow execute-api:Invoke on the resource written to (aws-agent policy CONFIG.river prints the statement)") {
		t.Fatalf("%+v", h)
	}
}

func TestHealthReportsClockSkewInSeconds(t *testing.T) {
	s := Status{Credentials: cache.Status{Valid: true, Source: "static"},
		Requests: stats.Snapshot{ClockSkew: 600 * time.Second, LastError: &stats.RequestError{Host: "logs.us-east-1.amazonaws.com", At: time.Now(), Status: 403, Code: "RequestTimeTooSkewed", Class: classify.ClockSkew}}}
	h := s.Health(time.Now())
	if h.Healthy || h.Message != "RequestTimeTooSkewed: logs.us-east-1.amazonaws.com answered HTTP 403 RequestTimeTooSkewed; the local clock is 600 seconds behind AWS: fix NTP — next: docs/troubleshooting.md#requesttimetooskewed" {
		t.Fatalf("%+v", h)
	}
	// Once a request succeeds with the corrected clock, healthy, still telling the skew.
	s.Requests.LastSuccess = time.Now().Add(time.Second)
	h = s.Health(time.Now())
	if !h.Healthy || !strings.Contains(h.Message, "local clock is 600 seconds behind AWS") {
		t.Fatalf("%+v", h)
	}
}

func newServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A Roles Anywhere certificate within seven days of its end is named in
// health, healthy still: renewing it is the on-call's job before it runs out.
// The threshold is held on both sides of its edge: 6d23h left warns, 7d1h
// does not (caught: RenewWithin set to 20 days, or to 6 days).
func TestHealthWarnsOfAnExpiringCertificate(t *testing.T) {
	now := time.Now()
	s := Status{Credentials: cache.Status{Valid: true, Source: "roles_anywhere (certificate CN=edge-7)", CanExpire: true, Expires: now.Add(time.Hour)},
		Certificate: &rolesanywhere.CertificateInfo{Subject: "CN=edge-7", Serial: "4711", NotAfter: now.Add(6*24*time.Hour + 23*time.Hour)}}
	h := s.Health(now)
	if !h.Healthy || !strings.Contains(h.Message, "the certificate CN=edge-7 (serial 4711) expires in 167h0m0s: renew it") {
		t.Fatalf("6d23h left: %+v", h)
	}
	s.Certificate.NotAfter = now.Add(7*24*time.Hour + time.Hour)
	if h := s.Health(now); !h.Healthy || strings.Contains(h.Message, "certificate CN=edge-7 (serial") {
		t.Fatalf("7d1h left is not news yet: %+v", h)
	}
}

// Requests that keep failing for a reason that is not auth's (a DNS
// failure here) leave health healthy, with a note, until none has
// succeeded for requests_unhealthy_after: then it is unhealthy, saying for
// how long and what the last failure was. A success clears it.
func TestHealthTurnsUnhealthyWhenNothingSucceedsForLong(t *testing.T) {
	now := time.Now()
	valid := cache.Status{Valid: true, Source: "static", CanExpire: false}
	dns := &stats.RequestError{Service: "aps", Host: "aps-workspaces.us-east-1.amazonaws.com", At: now.Add(-10 * time.Second), Class: classify.Other,
		Message: "dial tcp: lookup aps-workspaces.us-east-1.amazonaws.com: no such host"}
	for _, tc := range []struct {
		name           string
		failingFor     time.Duration
		unhealthyAfter time.Duration
		healthy        bool
	}{
		{"failing 5m, default 10m", 5 * time.Minute, 0, true},
		{"failing 11m, default 10m", 11 * time.Minute, 0, false},
		{"failing 2m, set to 1m", 2 * time.Minute, time.Minute, false},
		{"failing 50s, set to 1m", 50 * time.Second, time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Status{Credentials: valid, UnhealthyAfter: tc.unhealthyAfter,
				Requests: stats.Snapshot{LastError: dns, FailingSince: now.Add(-tc.failingFor), LastSuccess: now.Add(-tc.failingFor - time.Minute)}}
			h := s.Health(now)
			if h.Healthy != tc.healthy {
				t.Fatalf("healthy %v, want %v: %s", h.Healthy, tc.healthy, h.Message)
			}
			if !h.Healthy && (!strings.HasPrefix(h.Message, "no signed request has succeeded for "+tc.failingFor.Round(time.Second).String()) || !strings.Contains(h.Message, "no such host")) {
				t.Fatalf("message: %s", h.Message)
			}
			if h.Healthy && !strings.Contains(h.Message, "requests failing, not for auth") {
				t.Fatalf("no note of the failures: %s", h.Message)
			}
		})
	}
	// A success since clears it, however long they failed before.
	s := Status{Credentials: valid, Requests: stats.Snapshot{LastError: dns, LastSuccess: now}}
	if h := s.Health(now); !h.Healthy {
		t.Fatalf("after a success: %s", h.Message)
	}
}

// FailingSince is the first failure after the last success.
func TestStatsKeepWhenFailuresBegan(t *testing.T) {
	var st stats.Stats
	st.Failed("aps", "aps-workspaces.us-east-1.amazonaws.com", errors.New("no such host"))
	first := st.Snapshot().FailingSince
	if first.IsZero() {
		t.Fatal("a failure did not start the failing time")
	}
	time.Sleep(2 * time.Millisecond)
	st.Response("aps", "aps-workspaces.us-east-1.amazonaws.com", 503, nil)
	if got := st.Snapshot().FailingSince; !got.Equal(first) {
		t.Fatalf("a second failure moved the start: %v -> %v", first, got)
	}
	st.Response("aps", "aps-workspaces.us-east-1.amazonaws.com", 200, nil)
	if got := st.Snapshot().FailingSince; !got.IsZero() {
		t.Fatalf("a success did not clear it: %v", got)
	}
}

// Every unhealthy message ends with what to do next, a section of
// docs/troubleshooting.md that exists (#32: errors without a next step).
func TestEveryUnhealthyMessageEndsWithANextStep(t *testing.T) {
	page, err := os.ReadFile("../docs/troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(page), "\n") {
		if heading, ok := strings.CutPrefix(line, "## "); ok {
			anchors[strings.ReplaceAll(strings.ToLower(heading), " ", "-")] = true
		}
	}
	now := time.Now()
	var statuses []Status
	for _, class := range []classify.Class{classify.NoCredentials, classify.Expired, classify.InvalidToken, classify.AccessDenied,
		classify.SignatureMismatch, classify.ClockSkew, classify.Throttled, classify.Other, classify.None} {
		// Credentials that cannot be had, and a refresh refused.
		statuses = append(statuses,
			Status{Credentials: cache.Status{LastError: errors.New("web identity: " + string(class)), LastClass: class}},
			Status{Credentials: cache.Status{Valid: true, Source: "static", Expires: now.Add(time.Hour), LastError: errors.New("refresh: " + string(class)), LastClass: class}},
			// Requests refused, and requests failing for long.
			Status{Credentials: cache.Status{Valid: true, Source: "static"},
				Requests: stats.Snapshot{LastError: &stats.RequestError{Host: "aps-workspaces.us-east-1.amazonaws.com", At: now, Status: 403, Code: "X", Class: class}}},
			Status{Credentials: cache.Status{Valid: true, Source: "static"},
				Requests: stats.Snapshot{FailingSince: now.Add(-time.Hour), LastError: &stats.RequestError{Host: "aps-workspaces.us-east-1.amazonaws.com", At: now, Class: class}}})
	}
	statuses = append(statuses, Status{}, Status{Credentials: cache.Status{HasCredsEver: true, Source: "imds", LastError: errors.New("imds: no response"), LastClass: classify.Other}})
	unhealthy := 0
	for _, s := range statuses {
		h := s.Health(now)
		if h.Healthy {
			continue
		}
		if h.Message == "resolving AWS credentials" { // the first resolution, under way
			continue
		}
		unhealthy++
		i := strings.LastIndex(h.Message, "docs/troubleshooting.md#")
		if i < 0 {
			t.Errorf("no next step: %q", h.Message)
			continue
		}
		anchor := strings.TrimRight(h.Message[i+len("docs/troubleshooting.md#"):], ".")
		if !anchors[anchor] {
			t.Errorf("%q points at #%s, which docs/troubleshooting.md has no section for", h.Message, anchor)
		}
	}
	if unhealthy < 30 {
		t.Fatalf("only %d of %d statuses were unhealthy", unhealthy, len(statuses))
	}
}
