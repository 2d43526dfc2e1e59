package cache

import (
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
)

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
