package cache

import (
	"context"
	"time"
)

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
