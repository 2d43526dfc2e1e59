package gateway

import (
	"net/http"
	"slices"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/redact"
)

// Policy is what one gateway forwards and signs: river's gateway block,
// and what the component knows of where it is mounted and for whom. The
// zero value of each field is safe: New fills in the defaults where one
// exists, and otherwise refuses rather than signs.
type Policy struct {
	// PathPrefix is the path the gateway is mounted at, with its trailing
	// slash. If empty, every request is refused bad_path.
	PathPrefix string
	// OwnHosts are the Host headers, besides loopback ones, that name the
	// server the gateway is mounted on. If nil, only localhost, loopback
	// addresses and ClientHosts do.
	OwnHosts []string

	// AllowedHosts are hosts outside AWS's domains the gateway signs for
	// (with the configured Service). If nil, AWS endpoints only.
	AllowedHosts []string
	// AllowRemoteClients admits clients that are not on loopback.
	AllowRemoteClients bool
	// ClientHosts are further names clients address the agent by (a
	// Kubernetes Service's, say), with or without a port.
	ClientHosts []string
	// MaxBodySize is the largest body forwarded, in bytes. If zero or
	// negative, DefaultMaxBodySize.
	MaxBodySize int64
	// Services are the signing names the gateway signs for (never one of
	// ForbiddenServices). If nil, DefaultServices; empty, none.
	Services []string
	// UnrestrictedServices are signed for any operation, not only the
	// operations table's telemetry writes. If nil, none.
	UnrestrictedServices []string
	// Methods are the HTTP methods forwarded. If nil, DefaultMethods;
	// empty, none.
	Methods []string
	// ResponseHeaderTimeout bounds the wait for an upstream's answer
	// headers; the body then has bounds.AnswerBodyTimeout. If zero or
	// negative, bounds.DefaultResponseHeaderTimeout.
	ResponseHeaderTimeout time.Duration

	// Region is the credentials' region (their partition, and the
	// default scope). If empty, every host in AWS's domains is refused
	// partition_mismatch: the gateway must know whose credentials it
	// signs with.
	Region string
	// Service is the configured service; if empty, each host's inferred.
	Service string
	// BodyGrace is the time a body may take besides its length at
	// bounds.MinBodyRate. If zero or negative, 10 s.
	BodyGrace time.Duration

	// Writes tells whether the agent's own components write to a host
	// through the gateway. A request for any other host is signed by
	// Foreign instead of the signer, and counted by Hooks.Foreign: any
	// local client may send one, and its answer must move neither health
	// nor a refresh. If Writes or Foreign is nil, every host is the
	// agent's own.
	Writes  func(host string) bool
	Foreign http.RoundTripper
}

// DefaultMaxBodySize is the largest body forwarded unless
// gateway { max_body_size } says otherwise.
const DefaultMaxBodySize = 32 << 20

// setDefaults fills in the defaults of the fields whose zero value has one.
func (p *Policy) setDefaults() {
	if p.MaxBodySize <= 0 {
		p.MaxBodySize = DefaultMaxBodySize
	}
	if p.Services == nil {
		p.Services = DefaultServices
	}
	if p.Methods == nil {
		p.Methods = DefaultMethods
	}
	if p.ResponseHeaderTimeout <= 0 {
		p.ResponseHeaderTimeout = bounds.DefaultResponseHeaderTimeout
	}
}

// SignsFor reports whether the gateway signs for service.
func (p *Policy) SignsFor(service string) bool {
	return slices.Contains(p.Services, service) && !slices.Contains(ForbiddenServices, service)
}

// Allows reports whether the gateway forwards method.
func (p *Policy) Allows(method string) bool { return slices.Contains(p.Methods, method) }

// Hooks are what the gateway tells its owner. Each may be nil.
type Hooks struct {
	// Refused counts a refusal by its reason.
	Refused func(reason string)
	// Redact takes secrets out of a text before it is answered or logged;
	// nil: redact.Text, which knows only the shapes of secrets.
	Redact func(string) string
	// Warn logs an upstream failure; Panicked a recovered panic, both
	// texts redacted.
	Warn     func(msg, err string)
	Panicked func(value, stack string)
	// Foreign counts a request signed for a host the agent does not
	// write to (Policy.Writes).
	Foreign func()
}

func (h *Hooks) setDefaults() {
	if h.Refused == nil {
		h.Refused = func(string) {}
	}
	if h.Redact == nil {
		h.Redact = func(s string) string { return redact.Text(s) }
	}
	if h.Warn == nil {
		h.Warn = func(string, string) {}
	}
	if h.Panicked == nil {
		h.Panicked = func(string, string) {}
	}
	if h.Foreign == nil {
		h.Foreign = func() {}
	}
}
