package cache

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
)

// DefaultExpiryWindow is how long before expiry a refresh starts when
// Options.ExpiryWindow is zero.
const DefaultExpiryWindow = 5 * time.Minute

// Identity is who a set of credentials belongs to, as sts:GetCallerIdentity
// says.
type Identity struct {
	ARN       string
	AccountID string
	UserID    string
}

// DefaultForcedRefreshInterval is Options.ForcedRefreshInterval's default.
const DefaultForcedRefreshInterval = 30 * time.Second

// Options tune a Cache. The zero value is usable.
type Options struct {
	// ExpiryWindow: a refresh starts this long before expiry, minus up to
	// half of it again as jitter so that a fleet does not refresh in step.
	// Never more than half the credentials' lifetime. Default 5m.
	ExpiryWindow time.Duration
	// BackoffBase and BackoffMax bound the wait after a failed refresh,
	// doubling from base to max. Defaults 1s and 1m: an agent without
	// credentials sends nothing, so it must not wait long to try again.
	BackoffBase, BackoffMax time.Duration
	// Recheck is how often credentials that never expire are fetched again,
	// which is how rewritten credentials files are noticed. Default 1m.
	Recheck time.Duration
	// RefreshTimeout bounds one refresh. Default 30s.
	RefreshTimeout time.Duration
	// ForcedRefreshInterval is the least time between two forced
	// refreshes, however many refused requests ask: an answer can be
	// provoked (a request to another partition is answered
	// UnrecognizedClientException), and each refresh of an assumed role
	// is a call to STS. Default 30s.
	ForcedRefreshInterval time.Duration
	// Identify, when set, is called after each successful refresh; its
	// failure is reported in the status but does not fail the refresh.
	Identify func(context.Context, aws.Credentials) (Identity, error)
	// OnRefresh, when set, is told the outcome of each refresh.
	OnRefresh func(err error)
}

func (o *Options) setDefaults() {
	if o.ExpiryWindow <= 0 {
		o.ExpiryWindow = DefaultExpiryWindow
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = time.Minute
	}
	if o.Recheck <= 0 {
		o.Recheck = time.Minute
	}
	if o.RefreshTimeout <= 0 {
		o.RefreshTimeout = 30 * time.Second
	}
	if o.ForcedRefreshInterval <= 0 {
		o.ForcedRefreshInterval = DefaultForcedRefreshInterval
	}
}

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
	lastAttempt, lastSuccess time.Time
	lastErr                  error
	identity                 Identity
	identityErr              error
	refreshes, failed        uint64
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

// ForceRefresh fetches new credentials because AWS refused the access key
// rejectedKeyID (ExpiredToken and kin). When the cache already holds other
// credentials, or a refresh is running, those serve instead, so a burst of
// refusals costs one refresh; and within ForcedRefreshInterval of the last
// forced refresh the current credentials serve, rejected or not, so that
// refusals cannot be turned into a stream of STS calls. The caller tells
// by the key whether it got new credentials.
func (c *Cache) ForceRefresh(ctx context.Context, rejectedKeyID string) (aws.Credentials, error) {
	c.mu.Lock()
	call := c.inflight
	if call == nil {
		e := c.cur.Load()
		switch {
		case e != nil && e.creds.AccessKeyID != rejectedKeyID:
			c.mu.Unlock()
			return e.creds, nil
		case e != nil && time.Since(c.forcedAt) < c.opts.ForcedRefreshInterval:
			c.mu.Unlock()
			return e.creds, nil
		}
		c.forcedAt = time.Now()
		call = c.startLocked()
	}
	c.mu.Unlock()
	return c.await(ctx, call)
}

func (c *Cache) refreshInBackground(now time.Time) {
	if c.busy.Load() || now.UnixNano() < c.nextTryNs.Load() {
		return
	}
	c.mu.Lock()
	if c.inflight == nil {
		c.startLocked()
	}
	c.mu.Unlock()
}

func (c *Cache) wait(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	call := c.inflight
	if call == nil {
		now := time.Now()
		if c.state.lastErr != nil && now.UnixNano() < c.nextTryNs.Load() {
			err := c.unavailableLocked(now)
			c.mu.Unlock()
			return aws.Credentials{}, err
		}
		call = c.startLocked()
	}
	c.mu.Unlock()
	return c.await(ctx, call)
}

func (c *Cache) await(ctx context.Context, call *refreshCall) (aws.Credentials, error) {
	select {
	case <-call.done:
		if call.err != nil {
			return aws.Credentials{}, c.unavailable(call.err)
		}
		return call.creds, nil
	case <-ctx.Done():
		return aws.Credentials{}, fmt.Errorf("waiting for AWS credentials: %w", ctx.Err())
	}
}

// ExpiredError says that the cached credentials have expired and why they
// could not be refreshed.
type ExpiredError struct {
	Expired time.Time
	Err     error
}

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("ExpiredToken: AWS credentials expired at %s and could not be refreshed: %v",
		e.Expired.UTC().Format(time.RFC3339), e.Err)
}

func (e *ExpiredError) Unwrap() error { return e.Err }

func (c *Cache) unavailable(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.lastErr == nil {
		c.state.lastErr = err
	}
	return c.unavailableLocked(time.Now())
}

func (c *Cache) unavailableLocked(now time.Time) error {
	if e := c.cur.Load(); e != nil && e.creds.CanExpire && !now.Before(e.creds.Expires) {
		return &ExpiredError{Expired: e.creds.Expires, Err: c.state.lastErr}
	}
	return c.state.lastErr
}

func (c *Cache) startLocked() *refreshCall {
	call := &refreshCall{done: make(chan struct{})}
	c.inflight = call
	c.busy.Store(true)
	c.state.lastAttempt = time.Now()
	go c.refresh(call)
	return call
}

func (c *Cache) refresh(call *refreshCall) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.RefreshTimeout)
	defer cancel()
	creds, err := c.provider.Retrieve(ctx)
	var ident Identity
	var identErr error
	if err == nil && c.opts.Identify != nil {
		ident, identErr = c.opts.Identify(ctx, creds)
	}
	now := time.Now()

	c.mu.Lock()
	c.state.refreshes++
	var next time.Time
	if err != nil {
		c.state.failed++
		c.state.lastErr = err
		c.failures++
		next = now.Add(c.backoffLocked(now))
	} else {
		e := &cacheEntry{creds: creds}
		e.stale = creds.CanExpire && !now.Before(creds.Expires)
		if e.stale {
			c.failures++
			e.refreshAt = now.Add(c.backoffLocked(now))
		} else {
			c.failures = 0
			e.refreshAt = c.refreshTime(now, creds)
		}
		next = e.refreshAt
		e.refreshAtMono = monotonicAt(e.refreshAt)
		e.usableUntil = math.MaxInt64
		if creds.CanExpire && !e.stale {
			e.usableUntil = monotonicAt(creds.Expires)
		}
		if old := c.cur.Swap(e); old != nil && old.creds.AccessKeyID != creds.AccessKeyID {
			c.prev.Store(&old.creds)
		}
		c.state.lastErr = nil
		c.state.lastSuccess = now
		c.state.identity, c.state.identityErr = ident, identErr
	}
	c.nextTryNs.Store(next.UnixNano())
	call.creds, call.err = creds, err
	c.inflight = nil
	c.busy.Store(false)
	close(call.done)
	c.mu.Unlock()

	select {
	case c.changed <- struct{}{}:
	default:
	}
	if c.opts.OnRefresh != nil {
		c.opts.OnRefresh(err)
	}
}

func (c *Cache) refreshTime(now time.Time, creds aws.Credentials) time.Time {
	if !creds.CanExpire {
		return now.Add(c.opts.Recheck)
	}
	window := c.opts.ExpiryWindow
	if half := creds.Expires.Sub(now) / 2; window > half {
		window = half
	}
	jitter := time.Duration(rand.Int64N(int64(window/2) + 1))
	return creds.Expires.Add(-window - jitter)
}

// backoffLocked doubles from BackoffBase to BackoffMax, but tries again
// before valid credentials run out. The wait is drawn from the upper half
// of the step ("equal jitter"): a fleet throttled together spreads its
// retries over time instead of coming back in waves.
func (c *Cache) backoffLocked(now time.Time) time.Duration {
	d := c.opts.BackoffBase
	for i := 1; i < c.failures && d < c.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.opts.BackoffMax)
	if e := c.cur.Load(); e != nil && e.creds.CanExpire && !e.stale {
		if left := e.creds.Expires.Sub(now) / 2; left > c.opts.BackoffBase && d > left {
			d = left
		}
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Run refreshes ahead of expiry until ctx ends, so that credentials stay
// fresh and health stays current even when no request comes.
func (c *Cache) Run(ctx context.Context) {
	for {
		wait := time.Until(time.Unix(0, c.nextTryNs.Load()))
		if c.cur.Load() == nil && c.nextTryNs.Load() == 0 {
			wait = 0
		}
		if e := c.cur.Load(); e != nil {
			if d := time.Until(e.refreshAt); d > wait {
				wait = d
			}
		}
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-c.changed:
			timer.Stop()
		case <-timer.C:
			c.refreshIfDue(ctx)
		}
	}
}

// refreshIfDue refreshes unless another refresh already did (a Retrieve
// may have beaten the timer to it) or the backoff says wait.
func (c *Cache) refreshIfDue(ctx context.Context) {
	now := time.Now()
	c.mu.Lock()
	call := c.inflight
	if call == nil {
		if now.UnixNano() < c.nextTryNs.Load() {
			c.mu.Unlock()
			return
		}
		call = c.startLocked()
	}
	c.mu.Unlock()
	_, _ = c.await(ctx, call)
}

// Status is a snapshot of a Cache. It holds no secret.
type Status struct {
	Source       string
	AccessKeyID  string // masked
	Expires      time.Time
	CanExpire    bool
	Stale        bool
	Valid        bool
	LastRefresh  time.Time
	NextRefresh  time.Time
	LastError    error
	LastClass    classify.Class
	Identity     Identity
	IdentityErr  error
	Refreshes    uint64
	FailedCount  uint64
	HasCredsEver bool
}

// Status returns a snapshot.
func (c *Cache) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	s := Status{
		LastRefresh: c.state.lastSuccess,
		LastError:   c.state.lastErr,
		LastClass:   classify.Of(c.state.lastErr),
		Identity:    c.state.identity,
		IdentityErr: c.state.identityErr,
		Refreshes:   c.state.refreshes,
		FailedCount: c.state.failed,
		NextRefresh: time.Unix(0, c.nextTryNs.Load()),
	}
	if c.nextTryNs.Load() == 0 {
		s.NextRefresh = time.Time{}
	}
	if e := c.cur.Load(); e != nil {
		s.HasCredsEver = true
		s.Source = e.creds.Source
		s.AccessKeyID = MaskKeyID(e.creds.AccessKeyID)
		s.CanExpire, s.Expires, s.Stale = e.creds.CanExpire, e.creds.Expires, e.stale
		s.Valid = e.stale || !e.creds.CanExpire || now.Before(e.creds.Expires)
	}
	return s
}

// MaskKeyID keeps the first and last four characters of an access key id.
func MaskKeyID(id string) string {
	if len(id) <= 8 {
		return "********"
	}
	return id[:4] + "************"[:min(12, len(id)-8)] + id[len(id)-4:]
}

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
