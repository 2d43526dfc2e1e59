package awsauth

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/redact"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/signing"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
)

// Options are what an embedding program adds to a Config. The zero value
// is usable.
type Options struct {
	// Stats counts what the Auth's transports sign and what AWS answers.
	// Nil: counters of the Auth's own.
	Stats *stats.Stats
	// OnRefresh is told the outcome of each refresh.
	OnRefresh func(error)
	// BackoffBase, BackoffMax and Recheck tune the refreshes (see
	// cache.Options); zero means the cache's defaults.
	BackoffBase, BackoffMax, Recheck time.Duration
}

// Auth is one configuration put to work: the chain, its cache, and the
// counters and clock shared by every transport made from it. It is what
// the aws.auth component talks to.
type Auth struct {
	config Config
	chain  *chain.Chain
	cache  *cache.Cache
	stats  *stats.Stats
	clock  *signing.Clock
}

// New validates cfg and builds an Auth. It touches no network: credentials
// are fetched by the first request or by Run.
func New(cfg Config, opts Options) (*Auth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ch, err := chain.New(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	if opts.Stats == nil {
		opts.Stats = &stats.Stats{}
	}
	co := cache.Options{
		ExpiryWindow: cfg.ExpiryWindow,
		OnRefresh:    opts.OnRefresh,
		BackoffBase:  opts.BackoffBase,
		BackoffMax:   opts.BackoffMax,
		Recheck:      opts.Recheck,
	}
	if cfg.VerifyIdentity {
		co.Identify = func(ctx context.Context, creds aws.Credentials) (cache.Identity, error) {
			id, err := ch.Identify(ctx, creds)
			return cache.Identity(id), err
		}
	}
	return &Auth{config: cfg, chain: ch, cache: cache.New(ch, co), stats: opts.Stats, clock: &signing.Clock{}}, nil
}

// WithService returns an Auth that shares a's credentials, counters and
// clock but signs for service (empty: inferred from each host).
func (a *Auth) WithService(service string) *Auth {
	b := *a
	b.config.Service = service
	return &b
}

// Transport returns a signing transport over base (nil:
// http.DefaultTransport), retrying once on ExpiredToken and clock skew.
func (a *Auth) Transport(base http.RoundTripper) http.RoundTripper {
	return &signing.Retry{Next: &signing.Transport{
		Source: a.cache,
		Base:   base,
		Scope:  signing.Scope{Region: a.chain.Region(), Service: a.config.Service},
		Clock:  a.clock,
		Stats:  a.stats,
	}}
}

// Service is the service requests are signed for; empty: inferred from
// each request's host.
func (a *Auth) Service() string { return a.config.Service }

// ForceRefresh fetches new credentials now, as after an ExpiredToken.
func (a *Auth) ForceRefresh(ctx context.Context) error {
	creds, _ := a.cache.Current()
	_, err := a.cache.ForceRefresh(ctx, creds.AccessKeyID)
	return err
}

// Region is the default signing region.
func (a *Auth) Region() string { return a.chain.Region() }

// ClockOffset is AWS's clock minus ours, as the transports learned it.
func (a *Auth) ClockOffset() time.Duration { return a.clock.Offset() }

// Credentials are the current credentials, if valid ones are held.
func (a *Auth) Credentials() (aws.Credentials, bool) { return a.cache.Current() }

// SharesCredentials reports whether a and b hand out the same credentials
// (b was made from a by WithService, or is a).
func (a *Auth) SharesCredentials(b *Auth) bool { return b != nil && a.cache == b.cache }

// Status is a snapshot of everything worth showing about an Auth. It holds
// no secret: the access key id is masked.
type Status struct {
	Region      string
	Credentials cache.Status
	Requests    stats.Snapshot
	// Certificate is Roles Anywhere's certificate, when that is the source.
	Certificate *rolesanywhere.CertificateInfo
}

// Status returns a snapshot.
func (a *Auth) Status() Status {
	return Status{Region: a.chain.Region(), Credentials: a.cache.Status(), Requests: a.stats.Snapshot(), Certificate: a.chain.Certificate()}
}

// Run keeps the credentials fresh until ctx ends.
func (a *Auth) Run(ctx context.Context) { a.cache.Run(ctx) }

// Redact takes out of s every secret a holds — the configured secret key
// and session token, those of the current credentials and of the ones they
// replaced — and anything shaped like a secret key or session token (see
// package redact). Every text aws.auth shows passes through it: health,
// debug info, logs, the gateway's answers.
func (a *Auth) Redact(s string) string {
	return redact.Text(s, append(a.cache.Secrets(), a.config.Credentials.SecretAccessKey, a.config.Credentials.SessionToken)...)
}
