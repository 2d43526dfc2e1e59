package awsauth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// STS throttles the refreshes: the cached credentials keep serving, health
// says so, the retries back off instead of hammering STS, and the first
// attempt after STS recovers succeeds.
func TestSTSThrottlingBacksOff(t *testing.T) {
	isolateEnv(t)
	fake := newFakeAWS(t)
	fake.sts.TTL = 12 * time.Second
	a, err := New(Config{Region: "us-east-1", AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, RoleARN: roleARN, STSEndpoint: fake.url, ExpiryWindow: 5 * time.Second}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Cache.opts.BackoffBase, a.Cache.opts.BackoffMax = 200*time.Millisecond, 2*time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	first, err := a.Cache.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}

	fake.sts.Fail("AssumeRole", &awsauthtest.Error{Status: 400, Code: "Throttling", Message: "Rate exceeded"})
	before := len(fake.sts.CallsOf("AssumeRole"))
	// Until the credentials expire, requests are served with them, and
	// the refresh (the SDK retries Throttling itself first) fails.
	for a.Status().Credentials.LastError == nil {
		if !time.Now().Before(first.Expires.Add(-200 * time.Millisecond)) {
			t.Fatal("no failed refresh before the credentials expired")
		}
		creds, err := a.Cache.Retrieve(ctx)
		if err != nil || creds.AccessKeyID != first.AccessKeyID {
			t.Fatalf("during throttling: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h := a.Status().Health(time.Now())
	if !h.Healthy || !strings.Contains(h.Message, "refresh failing, retrying") || !strings.Contains(h.Message, "Throttling: Rate exceeded") {
		t.Fatalf("health while throttled: %+v", h)
	}
	// The SDK retries each call up to 3 times; our backoff spaces the calls:
	// over ~2s of throttling that is a handful of refreshes, not hundreds.
	if n := len(fake.sts.CallsOf("AssumeRole")) - before; n > 30 {
		t.Fatalf("%d AssumeRole calls while throttled: no backoff", n)
	}

	fake.sts.Fail("AssumeRole", nil)
	awsauthtest.Eventually(t, 5*time.Second, "recovery after throttling", func() bool {
		creds, err := a.Cache.Retrieve(ctx)
		return err == nil && creds.AccessKeyID != first.AccessKeyID
	})
	if h := a.Status().Health(time.Now()); !h.Healthy || strings.Contains(h.Message, "refresh failing") {
		t.Fatalf("health after recovery: %+v", h)
	}
}
