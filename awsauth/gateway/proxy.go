package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bulk"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/signing"
)

// The signing gateway: {gateway_url}/{host}/{path}?{query} is forwarded to
// https://{host}/{path}?{query}, signed. It is served by the agent's own
// HTTP server under /api/v0/component/<id>/, for prometheus.remote_write and
// loki.write, which take no custom transport.
//
// Loopback is not trust: a browser page, a sidecar, a port-forward or any
// local process is a loopback client. So before anything is signed the
// gateway turns away browsers, foreign Host headers, methods and services
// that telemetry writers do not use, operations that are not telemetry
// writes (admission.go), and more than its bounds hold (package bounds); the
// rest is httputil.ReverseProxy over the signing transport.

// Gateway is the signing gateway for one configuration: an http.Handler.
type Gateway struct {
	policy    Policy
	hooks     Hooks
	bounds    *bounds.Bounds
	transport http.RoundTripper // the signer, within response_header_timeout
	foreign   http.RoundTripper // Policy.Foreign, within it too; nil: none
	ifaddrs   []netip.Addr      // this host's, for remote clients' Host
}

// New returns the gateway for p, signing with signer (the signing
// transport over base, which holds the connection pool).
func New(p Policy, signer, base http.RoundTripper, h Hooks) *Gateway {
	h.setDefaults()
	p.setDefaults()
	g := &Gateway{policy: p, hooks: h, bounds: bounds.New(p.MaxBodySize, p.BodyGrace, base),
		transport: bounds.HeaderTimeout(signer, p.ResponseHeaderTimeout)}
	if p.Writes != nil && p.Foreign != nil {
		g.foreign = bounds.HeaderTimeout(p.Foreign, p.ResponseHeaderTimeout)
	}
	if p.AllowRemoteClients {
		g.ifaddrs = interfaceAddrs()
	}
	return g
}

// clientSigningHeaders are the client's own signing headers: never
// forwarded. A client's X-Amz-Content-Sha256 in particular would be
// trusted by the signer instead of the body's real hash.
var clientSigningHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// refusal is a request the gateway turns away: an HTTP status, a reason
// label for the metric and a one-line message.
type refusal struct {
	status int
	reason string
	msg    string
}

// safeHeaders go on every gateway answer, so that no answer, the
// upstream's included, is sniffed as HTML or runs script on the agent's
// origin.
func safeHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
}

func (g *Gateway) refuse(w http.ResponseWriter, r refusal) {
	g.hooks.Refused(r.reason)
	// The message may carry a source's error, which may quote a secret.
	r.msg = g.hooks.Redact(r.msg)
	h := w.Header()
	safeHeaders(h)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	switch r.status {
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "1")
	case http.StatusMethodNotAllowed:
		h.Set("Allow", strings.Join(g.policy.Methods, ", "))
	}
	w.WriteHeader(r.status)
	fmt.Fprintln(w, "aws.auth gateway: "+r.msg)
}

// bulkIndex is the index a _bulk path names ("" for /_bulk), whose
// body package bulk reads.
func bulkIndex(path string) string {
	return strings.TrimPrefix(strings.TrimSuffix(path, "/_bulk"), "/")
}

// ServeHTTP forwards r signed, or refuses it.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer g.recoverPanic(w)

	target, op, ref := g.admit(r)
	var release func()
	if ref == nil {
		var ok bool
		if release, ok = g.bounds.Reserve(r, target.Host); !ok {
			ref = &refusal{http.StatusServiceUnavailable, "busy", fmt.Sprintf("busy: %d requests (%d to one host) or %d bodies of max_body_size %d are in flight; retry",
				bounds.MaxInFlight, bounds.MaxInFlightPerHost, bounds.BudgetBodies, g.policy.MaxBodySize)}
		}
	}
	if ref != nil {
		g.refuse(w, *ref)
		return
	}
	defer release()

	// The table's _bulk (not an unrestricted service's): its body says
	// what it does.
	if op.Name == "_bulk" && r.ContentLength != 0 {
		r.Body = bulk.Check(r.Body, bulkIndex(target.Path), r.ContentLength)
	}
	if err := g.bounds.ReadBody(w, r); err != nil {
		g.bodyFailed(w, r, err)
		return
	}
	g.bounds.Pooled(target.Host)
	transport := g.transport
	if g.foreign != nil && !g.policy.Writes(strings.ToLower(target.Host)) {
		transport = g.foreign
		g.hooks.Foreign()
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = ""
			for _, h := range clientSigningHeaders {
				pr.Out.Header.Del(h)
			}
		},
		Transport:      transport,
		ModifyResponse: modifyResponse,
		ErrorHandler:   g.proxyError,
		BufferPool:     copyBuffers,
	}
	// The client has until the answer's deadline to read it: one that
	// never reads a large answer must not hold its slot. The deadline is
	// the connection's, so it is cleared for the next request on it.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(g.policy.ResponseHeaderTimeout + bounds.AnswerBodyTimeout))
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	proxy.ServeHTTP(noInterim{w}, r)
}

// noInterim drops 1xx answers (103 Early Hints and the like), which
// ReverseProxy relays as they come, with the upstream's headers and
// without the safe ones: the client waits for the final answer.
type noInterim struct{ http.ResponseWriter }

func (w noInterim) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w noInterim) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// copyBuffers are the buffers answers are relayed through: without them
// ReverseProxy allocates 32 KiB per request.
var copyBuffers = &bufferPool{sync.Pool{New: func() any { return new([32 << 10]byte) }}}

type bufferPool struct{ sync.Pool }

func (p *bufferPool) Get() []byte  { return p.Pool.Get().(*[32 << 10]byte)[:] }
func (p *bufferPool) Put(b []byte) { p.Pool.Put((*[32 << 10]byte)(b)) }

// errUpstreamRedirect: remote_write and loki.write follow redirects, so a
// relayed one would send the body back through the gateway, signed for
// wherever the upstream pointed.
var errUpstreamRedirect = errors.New("the upstream answered with a redirect, which the gateway does not relay")

// modifyResponse passes the upstream's answer through, but for redirects,
// for cookies, which would be set on the agent's origin, and with the safe
// headers.
func modifyResponse(resp *http.Response) error {
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.StatusCode != http.StatusNotModified {
		return fmt.Errorf("%w (HTTP %d)", errUpstreamRedirect, resp.StatusCode)
	}
	resp.Header.Del("Set-Cookie")
	safeHeaders(resp.Header)
	return nil
}

// bodyFailed answers a request whose body could not be read.
func (g *Gateway) bodyFailed(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	var action *bulk.Refusal
	switch {
	case errors.As(err, &action):
		g.refuse(w, refusal{http.StatusForbidden, "operation_not_allowed", fmt.Sprintf("%s %v", r.Method, action)})
	case errors.As(err, &tooLarge):
		g.refuse(w, refusal{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body exceeds gateway max_body_size %d", tooLarge.Limit)})
	case errors.Is(err, os.ErrDeadlineExceeded):
		g.refuse(w, refusal{http.StatusRequestTimeout, "body_timeout", fmt.Sprintf(
			"the body did not arrive in time: a body may take %s plus its length at %d KiB/s", g.bounds.Grace(), bounds.MinBodyRate>>10)})
	case r.Context().Err() != nil:
		// the client went away; nobody to answer
	default:
		g.refuse(w, refusal{http.StatusBadRequest, "bad_body", fmt.Sprintf("%s: reading the body failed", r.Method)})
	}
}

// proxyError answers a request that got no upstream answer.
func (g *Gateway) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	var ce *signing.CredentialsError
	switch {
	// A body that missed its deadline also ends the request's context
	// (the server takes the read error for a client gone): answer first.
	case errors.As(err, &tooLarge) || errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, new(*bulk.Refusal)):
		g.bodyFailed(w, r, err)
	case r.Context().Err() != nil:
		return // the client went away; nobody to answer
	case errors.As(err, &ce):
		// Retried by remote_write and loki.write: nothing is lost while
		// credentials come back.
		// Any local client reads this answer: it says which source failed
		// and why, but not who the agent is (user, role, account ARNs),
		// which health tells its operator.
		g.refuse(w, refusal{http.StatusServiceUnavailable, "no_credentials", fmt.Sprintf("%s %s: %s (aws.auth's health names the identities)", r.Method, ce.Host, arns.ReplaceAllString(err.Error(), "(ARN)"))})
	case errors.Is(err, errUpstreamRedirect):
		g.refuse(w, refusal{http.StatusBadGateway, "upstream_redirect", fmt.Sprintf("%s: %v", r.Method, err)})
	case errors.Is(err, bounds.ErrHeaderTimeout):
		g.refuse(w, refusal{http.StatusGatewayTimeout, "upstream_timeout", fmt.Sprintf("%s: %v", r.Method, err)})
	default:
		g.hooks.Warn("signing gateway: upstream request failed", g.hooks.Redact(err.Error()))
		g.refuse(w, refusal{http.StatusBadGateway, "upstream_error", fmt.Sprintf("%s: %v", r.Method, err)})
	}
}

// arns are ARNs in an error's text, and the 12-digit account IDs that
// stand alone.
var arns = regexp.MustCompile(`\barn:aws[a-z-]*:[^\s"',;)]+|\b[0-9]{12}\b`)

// recoverPanic turns a panic under the gateway (its own code, the proxy
// or TLS configuration's transport) into a 500 that remote_write and
// loki.write retry. net/http would recover it too, but log its value as
// is, and a panic value may hold the signed request and its token.
func (g *Gateway) recoverPanic(w http.ResponseWriter) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	g.hooks.Panicked(g.hooks.Redact(fmt.Sprint(v)), g.hooks.Redact(string(debug.Stack())))
	g.refuse(w, refusal{http.StatusInternalServerError, "panic", "internal error: a panic, recovered and logged by the agent"})
}
