package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Cache holds the current credentials of a provider and keeps them fresh.
// Retrieve costs one atomic load while the credentials are valid; refreshes
// run one at a time, in the background while valid credentials exist.
type Cache struct {
	provider aws.CredentialsProvider
	opts     Options

	cur       atomic.Pointer[cacheEntry]
	prev      atomic.Pointer[aws.Credentials] // those cur replaced, for Secrets
	busy      atomic.Bool                     // a refresh is running
	nextTryNs atomic.Int64                    // no background refresh before this (unix ns)
	changed   chan struct{}

	mu       sync.Mutex // guards the fields below
	inflight *refreshCall
	failures int
	forcedAt time.Time // when the last forced refresh started
	state    refreshState
}

type cacheEntry struct {
	creds     aws.Credentials
	refreshAt time.Time
	// The same instants on the monotonic clock, for Retrieve: when to
	// start a refresh, and until when the credentials may be handed out.
	refreshAtMono, usableUntil int64
	// stale: the source handed back credentials already past their
	// expiration (IMDS does so during an outage). They are served, and
	// refreshes are retried with backoff rather than in a loop.
	stale bool
}

type refreshCall struct {
	done  chan struct{}
	creds aws.Credentials
	err   error
}

type refreshState struct {
	lastSuccess       time.Time
	lastErr           error
	refreshes, failed uint64
}

// NewCache wraps p.
func New(p aws.CredentialsProvider, opts Options) *Cache {
	opts.setDefaults()
	return &Cache{provider: p, opts: opts, changed: make(chan struct{}, 1)}
}

// Retrieve returns the cached credentials when they are valid, starting a
// background refresh when one is due. Without valid credentials it waits
// for a refresh, or fails at once while the last failure's backoff runs.
func (c *Cache) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if e := c.cur.Load(); e != nil {
		// The monotonic clock costs half of time.Now, and a wall clock
		// stepped by NTP cannot shorten or stretch the credentials' life.
		now := monotonic()
		if now < e.usableUntil {
			if now >= e.refreshAtMono {
				c.refreshInBackground(time.Now())
			}
			return e.creds, nil
		}
	}
	return c.wait(ctx)
}

var processStart = time.Now()

// monotonic is the time since the process started, from the monotonic clock.
func monotonic() int64 { return int64(time.Since(processStart)) }

// monotonicAt converts a wall time to monotonic(), as seen from now.
func monotonicAt(t time.Time) int64 { return monotonic() + int64(time.Until(t)) }

// Secrets are the secret keys and session tokens of the current
// credentials and of those they replaced: what no text may show.
func (c *Cache) Secrets() []string {
	var out []string
	if e := c.cur.Load(); e != nil {
		out = append(out, e.creds.SecretAccessKey, e.creds.SessionToken)
	}
	if p := c.prev.Load(); p != nil {
		out = append(out, p.SecretAccessKey, p.SessionToken)
	}
	return out
}

// Current returns the cached credentials without fetching. ok is false when
// there are none or they have expired.
func (c *Cache) Current() (creds aws.Credentials, ok bool) {
	e := c.cur.Load()
	if e == nil {
		return aws.Credentials{}, false
	}
	return e.creds, e.stale || !e.creds.CanExpire || time.Now().Before(e.creds.Expires)
}
