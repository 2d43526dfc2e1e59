package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// scriptedProvider hands out numbered credentials, or fails, as told.
type scriptedProvider struct {
	mu      sync.Mutex
	calls   int
	ttl     time.Duration
	err     error
	expired bool          // hand out credentials already past expiry
	gate    chan struct{} // when set, each Retrieve waits for it
}

func (p *scriptedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	p.calls++
	n, ttl, err, expired, gate := p.calls, p.ttl, p.err, p.expired, p.gate
	p.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
	}
	if err != nil {
		return aws.Credentials{}, err
	}
	expires := time.Now().Add(ttl)
	if expired {
		expires = time.Now().Add(-time.Minute)
	}
	return aws.Credentials{AccessKeyID: fmt.Sprintf("ASIAKEY%013d", n), SecretAccessKey: "s", CanExpire: ttl > 0 || expired, Expires: expires, Source: "scripted"}, nil
}

func (p *scriptedProvider) set(f func(p *scriptedProvider)) {
	p.mu.Lock()
	f(p)
	p.mu.Unlock()
}

func (p *scriptedProvider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

var eventually = awsauthtest.Eventually

func TestCacheRefreshesBeforeExpiry(t *testing.T) {
	p := &scriptedProvider{ttl: 3 * time.Second}
	c := New(p, Options{ExpiryWindow: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	first, err := c.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 3*time.Second, "a second fetch", func() bool { return p.count() >= 2 })
	if !time.Now().Before(first.Expires) {
		t.Fatal("refreshed only after expiry")
	}
	second, _ := c.Retrieve(ctx)
	if second.AccessKeyID == first.AccessKeyID {
		t.Fatal("still the first credentials after the refresh")
	}
}

func TestSingleFlight(t *testing.T) {
	p := &scriptedProvider{ttl: time.Hour, gate: make(chan struct{})}
	c := New(p, Options{})
	var wg sync.WaitGroup
	var keys sync.Map
	var entered atomic.Int32
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			entered.Add(1)
			creds, err := c.Retrieve(context.Background())
			if err == nil {
				keys.Store(creds.AccessKeyID, true)
			}
		}()
	}
	// The fetch has started and every caller is on its way in; those that
	// arrive after it lands get the cached key, which keeps the count at 1.
	eventually(t, 5*time.Second, "all callers in, the fetch under way", func() bool {
		return entered.Load() == 100 && p.count() == 1
	})
	close(p.gate)
	wg.Wait()
	n := 0
	keys.Range(func(any, any) bool { n++; return true })
	if p.count() != 1 || n != 1 {
		t.Fatalf("%d fetches, %d distinct keys; want 1 and 1", p.count(), n)
	}
}

// While a refresh hangs, every request is served at once with the valid
// credentials it already has: none waits for the refresh.
func TestNoRetrieveBlocksDuringARefresh(t *testing.T) {
	p := &scriptedProvider{ttl: 4 * time.Second}
	c := New(p, Options{})
	old, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	p.set(func(p *scriptedProvider) { p.gate = gate })
	// The window is clipped to half the lifetime: due after 1-2s. A
	// Retrieve then starts the refresh, which hangs at the gate.
	eventually(t, 5*time.Second, "the refresh starts and hangs", func() bool {
		_, _ = c.Retrieve(context.Background())
		return p.count() == 2
	})

	done := make(chan string, 1000)
	for i := 0; i < 1000; i++ {
		go func() {
			creds, err := c.Retrieve(context.Background())
			if err != nil {
				done <- "error: " + err.Error()
				return
			}
			done <- creds.AccessKeyID
		}()
	}
	timeout := time.After(2 * time.Second) // the refresh would take this long
	for i := 0; i < 1000; i++ {
		select {
		case k := <-done:
			if k != old.AccessKeyID {
				t.Fatalf("request %d got %q, want the old credentials", i, k)
			}
		case <-timeout:
			t.Fatalf("only %d of 1000 requests completed while the refresh hung", i)
		}
	}
	if !c.busy.Load() || p.count() != 2 {
		t.Fatalf("want exactly one refresh in flight; busy=%v fetches=%d", c.busy.Load(), p.count())
	}
	close(gate)
	eventually(t, time.Second, "the refresh lands", func() bool {
		k, _ := c.Retrieve(context.Background())
		return k.AccessKeyID != old.AccessKeyID
	})
}

func TestOutageServesCachedCredentialsUntilExpiryThenRecovers(t *testing.T) {
	p := &scriptedProvider{ttl: 1500 * time.Millisecond}
	c := New(p, Options{BackoffBase: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	old, err := c.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	outage := errors.New("sts:AssumeRole: dial tcp 127.0.0.1:1: connect: connection refused")
	p.set(func(p *scriptedProvider) { p.err = outage })

	for time.Now().Before(old.Expires.Add(-100 * time.Millisecond)) {
		creds, err := c.Retrieve(ctx)
		if err != nil || creds.AccessKeyID != old.AccessKeyID {
			t.Fatalf("before expiry: %v %q", err, creds.AccessKeyID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := c.Status(); s.LastError == nil || s.FailedCount == 0 {
		t.Fatalf("the failed refreshes are not in the status: %+v", s)
	}
	time.Sleep(time.Until(old.Expires) + 20*time.Millisecond)
	_, err = c.Retrieve(ctx)
	var expired *ExpiredError
	if !errors.As(err, &expired) || !strings.Contains(err.Error(), "ExpiredToken: AWS credentials expired at") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("after expiry: %v", err)
	}
	// Recovery within one backoff step (200 ms), with slack for -race.
	p.set(func(p *scriptedProvider) { p.err = nil })
	eventually(t, time.Second, "recovery", func() bool {
		creds, err := c.Retrieve(ctx)
		return err == nil && creds.AccessKeyID != old.AccessKeyID
	})
	if s := c.Status(); s.LastError != nil || !s.Valid {
		t.Fatalf("status after recovery: %+v", s)
	}
}

// IMDS under static stability hands back credentials that are already past
// their expiration: they are served, marked stale, and the refreshes back
// off instead of looping.
func TestStaleCredentialsDoNotCauseAHotLoop(t *testing.T) {
	p := &scriptedProvider{expired: true}
	c := New(p, Options{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Run(ctx)
	var requests atomic.Int64
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.Retrieve(ctx); err != nil {
			t.Fatalf("stale credentials not served: %v", err)
		}
		requests.Add(1)
	}
	// Backoff 100, 200, 400, 800 ms: at most five fetches in a second.
	if n := p.count(); n > 5 {
		t.Fatalf("%d fetches in one second for %d requests: a hot loop", n, requests.Load())
	}
	if s := c.Status(); !s.Stale || !s.Valid {
		t.Fatalf("status does not say stale: %+v", s)
	}
}

func TestForceRefreshCoalesces(t *testing.T) {
	p := &scriptedProvider{ttl: time.Hour}
	c := New(p, Options{BackoffBase: time.Second})
	first, _ := c.Retrieve(context.Background())
	var wg sync.WaitGroup
	keys := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			creds, err := c.ForceRefresh(context.Background(), first.AccessKeyID)
			if err != nil {
				t.Error(err)
			}
			keys <- creds.AccessKeyID
		}()
	}
	wg.Wait()
	close(keys)
	// A burst of 403s for the same key costs one refresh, and all get the new key.
	for k := range keys {
		if k == first.AccessKeyID {
			t.Fatal("a forced refresh returned the rejected key")
		}
	}
	if p.count() != 2 {
		t.Fatalf("%d fetches for a burst of forced refreshes; want 2", p.count())
	}
	// A 403 for a key already replaced costs nothing.
	if _, err := c.ForceRefresh(context.Background(), first.AccessKeyID); err != nil || p.count() != 2 {
		t.Fatalf("stale rejection refetched: %v %d", err, p.count())
	}
}

// Refusals of one new key after another — a source that hands out a new
// key on every refresh, as AssumeRole does, and requests whose refusal the
// client provokes — cost one refresh per ForcedRefreshInterval, not one
// each. (Before: 20 refusals, 20 refreshes.)
func TestForcedRefreshesAreSpacedOut(t *testing.T) {
	p := &scriptedProvider{ttl: time.Hour}
	c := New(p, Options{ForcedRefreshInterval: 300 * time.Millisecond})
	creds, _ := c.Retrieve(context.Background())
	for i := 0; i < 20; i++ {
		next, err := c.ForceRefresh(context.Background(), creds.AccessKeyID)
		if err != nil {
			t.Fatal(err)
		}
		creds = next
	}
	if p.count() != 2 {
		t.Fatalf("%d fetches for 20 refusals within the interval; want 2 (the first and one forced)", p.count())
	}
	time.Sleep(350 * time.Millisecond)
	if again, _ := c.ForceRefresh(context.Background(), creds.AccessKeyID); again.AccessKeyID == creds.AccessKeyID || p.count() != 3 {
		t.Fatalf("after the interval a refusal refreshes again: %d fetches, key %s", p.count(), again.AccessKeyID)
	}
}

func TestMaskKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"AKIAIOSFODNN7EXAMPLE": "AKIA************MPLE",
		"short":                "********",
		"ASIA123456789":        "ASIA*****6789",
	} {
		if got := MaskKeyID(in); got != want {
			t.Errorf("MaskKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}

// Credentials that live shorter than twice expiry_window are refreshed at
// the latest at half their remaining life (with jitter, no earlier than a
// quarter of it), never in the past: the cap keeps two-minute credentials
// under a five-minute window from being refreshed in a hot loop (#34: with
// the cap gone, 225,003 fetches in a second).
func TestRefreshWindowIsCappedAtHalfTheLifetime(t *testing.T) {
	c := New(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, nil }), Options{ExpiryWindow: 5 * time.Minute})
	now := time.Now()
	creds := aws.Credentials{CanExpire: true, Expires: now.Add(2 * time.Minute)}
	for range 1000 {
		at := c.refreshTime(now, creds)
		if at.Before(now.Add(30*time.Second)) || at.After(now.Add(time.Minute)) {
			t.Fatalf("refresh at now%+v for credentials expiring in 2m under a 5m window; want between 30s and 1m from now", at.Sub(now))
		}
	}
	// Long-lived credentials use the window as it is.
	creds.Expires = now.Add(time.Hour)
	if at := c.refreshTime(now, creds); at.Before(now.Add(time.Hour-7*time.Minute-30*time.Second)) || at.After(now.Add(55*time.Minute)) {
		t.Fatalf("refresh at now%+v for credentials expiring in 1h under a 5m window", at.Sub(now))
	}
}
