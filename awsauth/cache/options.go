package cache

import "time"

// DefaultExpiryWindow is how long before expiry a refresh starts when
// Options.ExpiryWindow is zero.
const DefaultExpiryWindow = 5 * time.Minute

// refreshTimeout bounds one refresh: a source that hangs (IMDS off EC2,
// an STS behind a black-holing proxy) must not hold the next one off.
const refreshTimeout = 30 * time.Second

// defaultForcedRefreshInterval is Options.ForcedRefreshInterval's default.
const defaultForcedRefreshInterval = 30 * time.Second

// Options tune a Cache. The zero value is usable.
type Options struct {
	// ExpiryWindow: a refresh starts this long before expiry, minus up to
	// half of it again as jitter so that a fleet does not refresh in step.
	// Never more than half the credentials' lifetime. If zero or
	// negative, DefaultExpiryWindow (5m).
	ExpiryWindow time.Duration
	// BackoffBase and BackoffMax bound the wait after a failed refresh,
	// doubling from base to max. If zero or negative, 1s and 1m: an agent
	// without credentials sends nothing, so it must not wait long to try
	// again.
	BackoffBase, BackoffMax time.Duration
	// Recheck is how often credentials that never expire are fetched again,
	// which is how rewritten credentials files are noticed. If zero or
	// negative, 1m.
	Recheck time.Duration
	// ForcedRefreshInterval is the least time between two forced
	// refreshes, however many refused requests ask: an answer can be
	// provoked (a request to another partition is answered
	// UnrecognizedClientException), and each refresh of an assumed role
	// is a call to STS. If zero or negative, 30s.
	ForcedRefreshInterval time.Duration
	// OnRefresh, if not nil, is told the outcome of each refresh.
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
	if o.ForcedRefreshInterval <= 0 {
		o.ForcedRefreshInterval = defaultForcedRefreshInterval
	}
}
