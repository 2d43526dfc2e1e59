package awsauth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// maxThrottledCalls bounds the AssumeRole calls one agent makes while STS
// throttles it for the rest of its credentials' life (2.5 to 5 s here):
// backing off from 200 ms to 2 s that is about six; without backoff, every
// request's look at the cache (one each 10 ms) would start one.
const maxThrottledCalls = 12

// STS throttles the refreshes: the cached credentials keep serving, health
// says so, the retries back off instead of hammering STS, and the first
// attempt after STS recovers succeeds.
func TestSTSThrottlingBacksOff(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault matrix's STS throttling row stands for it; make test runs it")
	}
	calls, a, fake, first := throttle(t, 200*time.Millisecond, 2*time.Second)
	if calls > maxThrottledCalls {
		t.Fatalf("%d AssumeRole calls while throttled, bound %d: no backoff", calls, maxThrottledCalls)
	}
	t.Logf("%d AssumeRole calls while throttled", calls)

	fake.STS.Fail("AssumeRole", nil)
	ctx := context.Background()
	awsauthtest.Eventually(t, 5*time.Second, "recovery after throttling", func() bool {
		creds, err := a.cache.Retrieve(ctx)
		return err == nil && creds.AccessKeyID != first
	})
	if h := a.Status().Health(time.Now()); !h.Healthy || strings.Contains(h.Message, "refresh failing") {
		t.Fatalf("health after recovery: %+v", h)
	}
}

// The bound above binds: the same throttling with the backoff taken away
// (1 ms steps) breaks it.
func TestThrottlingBoundCatchesNoBackoff(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault matrix's STS throttling row stands for it; make test runs it")
	}
	if calls, _, _, _ := throttle(t, time.Millisecond, time.Millisecond); calls <= maxThrottledCalls {
		t.Fatalf("without backoff only %d AssumeRole calls while throttled: the bound %d cannot fail", calls, maxThrottledCalls)
	}
}

// throttle gets 12 s credentials, then has STS throttle every AssumeRole
// until they are about to expire, reading the cache every 10 ms as requests
// would, and counts the AssumeRole calls made meanwhile.
func throttle(t *testing.T, backoffBase, backoffMax time.Duration) (calls int, a *Auth, fake *fakeaws.STSServer, first string) {
	t.Helper()
	isolateEnv(t)
	fake = fakeaws.StartSTS(t, awsauthtest.User)
	fake.STS.TTL = 12 * time.Second
	a, err := New(Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret, RoleARN: awsauthtest.RoleARN, STSEndpoint: fake.URL}, ExpiryWindow: 5 * time.Second}, Options{BackoffBase: backoffBase, BackoffMax: backoffMax})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go a.Run(ctx)
	creds, err := a.cache.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	fake.STS.Fail("AssumeRole", &awsauthtest.Error{Status: 400, Code: "Throttling", Message: "Rate exceeded"})
	before := len(fake.STS.CallsOf("AssumeRole"))
	healthChecked := false
	for end := creds.Expires.Add(-500 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		got, err := a.cache.Retrieve(ctx)
		if err != nil || got.AccessKeyID != creds.AccessKeyID {
			t.Fatalf("during throttling: %v", err)
		}
		if !healthChecked && a.Status().Credentials.LastError != nil {
			h := a.Status().Health(time.Now())
			if !h.Healthy || !strings.Contains(h.Message, "refresh failing, retrying") || !strings.Contains(h.Message, "Throttling: Rate exceeded") {
				t.Fatalf("health while throttled: %+v", h)
			}
			healthChecked = true
		}
	}
	if !healthChecked {
		t.Fatal("no failed refresh before the credentials expired")
	}
	return len(fake.STS.CallsOf("AssumeRole")) - before, a, fake, creds.AccessKeyID
}
