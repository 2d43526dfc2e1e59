package auth

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/signing"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/component"
	httpservice "github.com/grafana/agent/service/http"
)

// The signing gateway: {gateway_url}/{host}/{path}?{query} is forwarded to
// https://{host}/{path}?{query}, signed. It is served by the agent's own
// HTTP server under /api/v0/component/<id>/, for prometheus.remote_write and
// loki.write, which take no custom transport.
//
// Loopback is not trust: a browser page, a sidecar, a port-forward or any
// local process is a loopback client. So before anything is signed the
// gateway turns away browsers, foreign Host headers, methods and services
// that telemetry writers do not use, and more bodies than its memory budget
// holds (policy.go); the rest is httputil.ReverseProxy over the signing
// transport.

var _ httpservice.Component = (*Component)(nil)

// Handler implements the HTTP service's component handler.
func (c *Component) Handler() http.Handler { return http.HandlerFunc(c.serveGateway) }

// componentPath is this component's path on the agent's HTTP server, with a
// trailing slash, the loopback URL of it without one (the server's router
// answers a "//" with a 301 redirect, which breaks POSTs), and the Host
// header values, besides loopback ones, that name the agent's own server.
func componentPath(opts component.Options) (path, gatewayURL string, ownHosts []string) {
	if opts.GetServiceData == nil {
		return "", "", nil
	}
	data, err := opts.GetServiceData(httpservice.ServiceName)
	if err != nil {
		return "", "", nil
	}
	d, ok := data.(httpservice.Data)
	if !ok {
		return "", "", nil
	}
	path = d.HTTPPathForComponent(opts.ID)
	ownHosts = []string{strings.ToLower(d.HTTPListenAddr)}
	if d.MemoryListenAddr != "" {
		ownHosts = append(ownHosts, strings.ToLower(d.MemoryListenAddr))
	}
	host, port, err := net.SplitHostPort(d.HTTPListenAddr)
	if err != nil {
		return path, "", ownHosts
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return path, "http://" + net.JoinHostPort(host, port) + strings.TrimSuffix(path, "/"), ownHosts
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

func (c *Component) refuse(w http.ResponseWriter, r refusal) {
	c.metrics.gatewayRefused.WithLabelValues(r.reason).Inc()
	// The message may carry a source's error, which may quote a secret.
	r.msg = c.cur.Load().auth.Redact(r.msg)
	h := w.Header()
	safeHeaders(h)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	switch r.status {
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "1")
	case http.StatusMethodNotAllowed:
		h.Set("Allow", strings.Join(c.cur.Load().args.Gateway.Methods, ", "))
	}
	w.WriteHeader(r.status)
	fmt.Fprintln(w, "aws.auth gateway: "+r.msg)
}

func (c *Component) serveGateway(w http.ResponseWriter, r *http.Request) {
	inst := c.cur.Load()
	defer c.recoverPanic(w, inst)

	target, ref := c.admit(inst, r)
	var release func()
	if ref == nil {
		release, ref = inst.gateway.reserve(r)
	}
	if ref != nil {
		c.refuse(w, *ref)
		return
	}
	defer release()

	if err := inst.gateway.readBody(w, r); err != nil {
		c.bodyFailed(w, r, err)
		return
	}
	inst.gateway.pooled(target.Host)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = target
			pr.Out.Host = ""
			for _, h := range clientSigningHeaders {
				pr.Out.Header.Del(h)
			}
		},
		Transport:      inst.gateway.transport,
		ModifyResponse: modifyResponse,
		ErrorHandler:   c.proxyError,
		BufferPool:     copyBuffers,
	}
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
func (c *Component) bodyFailed(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		c.refuse(w, refusal{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body exceeds gateway max_body_size %d", tooLarge.Limit)})
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.refuse(w, refusal{http.StatusRequestTimeout, "body_timeout", fmt.Sprintf(
			"the body did not arrive in time: a body may take %s plus its length at %d KiB/s", bodyGrace, minBodyRate>>10)})
	case r.Context().Err() != nil:
		// the client went away; nobody to answer
	default:
		c.refuse(w, refusal{http.StatusBadRequest, "bad_body", fmt.Sprintf("%s: reading the body failed", r.Method)})
	}
}

// proxyError answers a request that got no upstream answer.
func (c *Component) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	var ce *signing.CredentialsError
	switch {
	// A body that missed its deadline also ends the request's context
	// (the server takes the read error for a client gone): answer first.
	case errors.As(err, &tooLarge) || errors.Is(err, os.ErrDeadlineExceeded):
		c.bodyFailed(w, r, err)
	case r.Context().Err() != nil:
		return // the client went away; nobody to answer
	case errors.As(err, &ce):
		// Retried by remote_write and loki.write: nothing is lost while
		// credentials come back.
		c.refuse(w, refusal{http.StatusServiceUnavailable, "no_credentials", fmt.Sprintf("%s %s: %v", r.Method, ce.Host, err)})
	case errors.Is(err, errUpstreamRedirect):
		c.refuse(w, refusal{http.StatusBadGateway, "upstream_redirect", fmt.Sprintf("%s: %v", r.Method, err)})
	case errors.Is(err, errHeaderTimeout):
		c.refuse(w, refusal{http.StatusGatewayTimeout, "upstream_timeout", fmt.Sprintf("%s: %v", r.Method, err)})
	default:
		level.Warn(c.log).Log("msg", "signing gateway: upstream request failed", "err", c.cur.Load().auth.Redact(err.Error()))
		c.refuse(w, refusal{http.StatusBadGateway, "upstream_error", fmt.Sprintf("%s: %v", r.Method, err)})
	}
}

// recoverPanic turns a panic under the gateway (its own code, the proxy
// or TLS configuration's transport) into a 500 that remote_write and
// loki.write retry. net/http would recover it too, but log its value as
// is, and a panic value may hold the signed request and its token.
func (c *Component) recoverPanic(w http.ResponseWriter, inst *instance) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	level.Error(c.log).Log("msg", "signing gateway: recovered from a panic; answering 500", "panic", inst.auth.Redact(fmt.Sprint(v)), "stack", string(debug.Stack()))
	c.refuse(w, refusal{http.StatusInternalServerError, "panic", "internal error: a panic, recovered and logged by the agent"})
}

// targetURL builds https://{host}/{path}?{query} from the raw request URI,
// which keeps the client's escaping (%2F, %20) that r.URL.Path has lost.
func (c *Component) targetURL(requestURI string, allowed []string) (*url.URL, *refusal) {
	rest, ok := strings.CutPrefix(requestURI, c.pathPrefix)
	if !ok || c.pathPrefix == "" {
		return nil, &refusal{http.StatusBadRequest, "bad_path", fmt.Sprintf("unexpected path %q: use gateway_url + \"/HOST/PATH\"", requestURI)}
	}
	host, pathAndQuery, _ := strings.Cut(rest, "/")
	pathAndQuery = "/" + pathAndQuery
	if host == "" {
		return nil, &refusal{http.StatusBadRequest, "bad_path", "no host in the path: use gateway_url + \"/HOST/PATH\""}
	}
	if !validHost(host) {
		return nil, &refusal{http.StatusBadRequest, "bad_path", fmt.Sprintf("%q is not a host name", host)}
	}
	host = strings.ToLower(host)
	if !hostAllowed(host, allowed) {
		return nil, &refusal{http.StatusForbidden, "host_not_allowed", fmt.Sprintf(
			"host %q is neither an AWS endpoint nor in gateway { allowed_hosts }", host)}
	}
	u, err := url.Parse("https://" + host + pathAndQuery)
	if err != nil || u.Host != host || u.User != nil || u.Fragment != "" {
		return nil, &refusal{http.StatusBadRequest, "bad_path", fmt.Sprintf("cannot forward %q", rest)}
	}
	return u, nil
}

// validHost accepts a DNS name with an optional port, nothing else.
func validHost(host string) bool {
	name, port, hasPort := strings.Cut(host, ":")
	if name == "" || len(name) > 253 || (hasPort && (port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "")) {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// hostAllowed: an AWS endpoint on the default port, or an allowed_hosts
// entry (an entry without a port allows the default port only).
func hostAllowed(host string, allowed []string) bool {
	name, port, _ := strings.Cut(host, ":")
	if (port == "" || port == "443") && scope.IsAWSHost(name) {
		return true
	}
	for _, a := range allowed {
		a = strings.ToLower(a)
		if a == host || (port == "" || port == "443") && a == name {
			return true
		}
	}
	return false
}

func loopbackClient(remoteAddr string) bool { return loopbackIP(hostOf(remoteAddr)) }

// hostOf is the host of host:port (or of a bare host), without IPv6 brackets.
func hostOf(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func loopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
