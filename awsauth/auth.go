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
	// If nil, counters of the Auth's own.
	Stats *stats.Stats
	// OnRefresh, if not nil, is told the outcome of each refresh.
	OnRefresh func(error)
	// BackoffBase, BackoffMax and Recheck tune the refreshes (see
	// cache.Options); if zero or negative, the cache's defaults.
	BackoffBase, BackoffMax, Recheck time.Duration
}

// Auth is one configuration put to work: the chain, its cache, and the
// counters and clock shared by every transport made from it. It is what
// the aws.auth component talks to.
type Auth struct {
	config Config
	chain  *chain.Chain
	ident  *identifying // nil without verify_identity
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
	a := &Auth{config: cfg, chain: ch, stats: opts.Stats, clock: &signing.Clock{}}
	var provider aws.CredentialsProvider = ch
	if cfg.VerifyIdentity {
		a.ident = &identifying{chain: ch}
		provider = a.ident
	}
	a.cache = cache.New(provider, co)
	return a, nil
}

// Transport returns a signing transport over base (nil:
// http.DefaultTransport) that signs for service (empty: the service each
// request's host names), retrying once on ExpiredToken and clock skew.
// Every transport of an Auth shares its credentials, counters and clock.
func (a *Auth) Transport(base http.RoundTripper, service string) http.RoundTripper {
	t := a.signer(base, service)
	t.Stats = a.stats
	return &signing.Retry{Next: t, Refresher: a.cache}
}

// ForeignTransport is Transport for requests that are not the agent's own
// telemetry writes (the gateway's, for a host none of its components
// writes to): signed with the same credentials and clock, but neither
// counted nor retried, so that their answers move neither health nor a
// refresh (an ExpiredToken forces none), and their Date none of the clock.
func (a *Auth) ForeignTransport(base http.RoundTripper, service string) http.RoundTripper {
	return a.signer(base, service)
}

// signer signs over base for service with the Auth's credentials and clock.
func (a *Auth) signer(base http.RoundTripper, service string) *signing.Transport {
	return &signing.Transport{
		Source: a.cache,
		Base:   base,
		Scope:  signing.Scope{Region: a.chain.Region(), Service: service},
		Clock:  a.clock,
	}
}

// ForceRefresh fetches new credentials now, as after an ExpiredToken: for
// programs that learn otherwise that the current ones were revoked.
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

// Status is a snapshot of everything worth showing about an Auth. It holds
// no secret: the access key id is masked.
type Status struct {
	Region      string
	Credentials cache.Status
	// Identity is what sts:GetCallerIdentity said of the current
	// credentials (verify_identity), IdentityErr why it failed.
	Identity    chain.Identity
	IdentityErr error
	Requests    stats.Snapshot
	// Certificate is Roles Anywhere's certificate, when that is the source.
	Certificate *rolesanywhere.CertificateInfo
	// UnhealthyAfter is Config.RequestsUnhealthyAfter; zero: the default.
	UnhealthyAfter time.Duration
}

// Status returns a snapshot.
func (a *Auth) Status() Status {
	s := Status{Region: a.chain.Region(), Credentials: a.cache.Status(), Requests: a.stats.Snapshot(), Certificate: a.chain.Certificate(),
		UnhealthyAfter: a.config.RequestsUnhealthyAfter}
	s.Identity, s.IdentityErr = a.ident.identity()
	return s
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
