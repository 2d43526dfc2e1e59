package awsauth

import (
	"context"
	"net/http"
	"strings"
)

// Auth is one configuration put to work: the chain, its cache and the
// counters shared by every Transport made from it.
type Auth struct {
	Config Config
	Chain  *Chain
	Cache  *Cache
	Stats  *Stats
	Clock  *Clock
}

// New validates cfg and builds an Auth. It touches no network: credentials
// are fetched by the first Retrieve or by Cache.Run.
func New(cfg Config, stats *Stats, onRefresh func(error)) (*Auth, error) {
	chain, err := NewChain(cfg)
	if err != nil {
		return nil, err
	}
	if stats == nil {
		stats = &Stats{}
	}
	opts := CacheOptions{ExpiryWindow: cfg.expiryWindow(), OnRefresh: onRefresh}
	if cfg.VerifyIdentity {
		opts.Identify = chain.Identify
	}
	return &Auth{Config: cfg, Chain: chain, Cache: NewCache(chain, opts), Stats: stats, Clock: &Clock{}}, nil
}

// WithService returns an Auth that shares a's credentials, counters and
// clock but signs for service (empty: inferred from each host).
func (a *Auth) WithService(service string) *Auth {
	b := *a
	b.Config.Service = service
	return &b
}

// Transport returns a signing transport over base (nil: http.DefaultTransport).
func (a *Auth) Transport(base http.RoundTripper) *Transport {
	return &Transport{
		Source:   a.Cache,
		Base:     base,
		Region:   a.Chain.Region(),
		Service:  a.Config.Service,
		SignBody: a.Config.SignBody,
		Stats:    a.Stats,
		Clock:    a.Clock,
	}
}

// Status is a snapshot of everything worth showing about an Auth. It holds
// no secret: the access key id is masked.
type Status struct {
	Region      string
	Credentials CacheStatus
	Requests    StatsSnapshot
}

// Status returns a snapshot.
func (a *Auth) Status() Status {
	return Status{Region: a.Chain.Region(), Credentials: a.Cache.Status(), Requests: a.Stats.Snapshot()}
}

// Run keeps the credentials fresh until ctx ends.
func (a *Auth) Run(ctx context.Context) { a.Cache.Run(ctx) }

// Redact replaces in s every secret a holds — the configured secret key and
// session token and those of the current credentials — with "(secret)", for
// text a panic or a foreign library wrote that may have captured a request.
func (a *Auth) Redact(s string) string {
	secrets := []string{a.Config.SecretAccessKey, a.Config.SessionToken}
	if creds, ok := a.Cache.Current(); ok {
		secrets = append(secrets, creds.SecretAccessKey, creds.SessionToken)
	}
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "(secret)")
		}
	}
	return s
}
