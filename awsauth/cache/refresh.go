package cache

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

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
	go c.refresh(call)
	return call
}

func (c *Cache) refresh(call *refreshCall) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	creds, err := c.provider.Retrieve(ctx)
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
