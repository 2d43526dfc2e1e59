package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/component"
	httpservice "github.com/grafana/agent/service/http"
)

// The signing gateway: {gateway_url}/{host}/{path}?{query} is forwarded to
// https://{host}/{path}?{query}, signed. It is served by the agent's own
// HTTP server under /api/v0/component/<id>/, for prometheus.remote_write and
// loki.write, which take no custom transport.

var _ httpservice.Component = (*Component)(nil)

// Handler implements the HTTP service's component handler.
func (c *Component) Handler() http.Handler { return http.HandlerFunc(c.serveGateway) }

// componentPath is this component's path on the agent's HTTP server, with a
// trailing slash, and gatewayURL the loopback URL of it without one: the
// server's router answers a "//" with a 301 redirect, which breaks POSTs.
func componentPath(opts component.Options) (path, gatewayURL string) {
	if opts.GetServiceData == nil {
		return "", ""
	}
	data, err := opts.GetServiceData(httpservice.ServiceName)
	if err != nil {
		return "", ""
	}
	d, ok := data.(httpservice.Data)
	if !ok {
		return "", ""
	}
	path = d.HTTPPathForComponent(opts.ID)
	host, port, err := net.SplitHostPort(d.HTTPListenAddr)
	if err != nil {
		return path, ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return path, "http://" + net.JoinHostPort(host, port) + strings.TrimSuffix(path, "/")
}

// hopHeaders are not forwarded either way; nor are the client's own
// signing headers.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

var clientSigningHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// refusal is a request the gateway turns away: an HTTP status, a reason
// label for the metric and a one-line message.
type refusal struct {
	status int
	reason string
	msg    string
}

func (c *Component) refuse(w http.ResponseWriter, r refusal) {
	c.metrics.gatewayRefused.WithLabelValues(r.reason).Inc()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(r.status)
	fmt.Fprintln(w, "aws.auth gateway: "+r.msg)
}

func (c *Component) serveGateway(w http.ResponseWriter, r *http.Request) {
	inst := c.cur.Load()
	gw := inst.args.Gateway
	defer c.recoverPanic(w, inst)

	if !gw.AllowRemoteClients && !loopbackClient(r.RemoteAddr) {
		c.refuse(w, refusal{http.StatusForbidden, "remote_client", fmt.Sprintf(
			"refusing client %s: only loopback clients may use the gateway unless gateway { allow_remote_clients = true }", r.RemoteAddr)})
		return
	}
	target, ref := c.targetURL(r.RequestURI, gw.AllowedHosts)
	if ref != nil {
		c.refuse(w, *ref)
		return
	}
	limit := int64(gw.MaxBodySize)
	if r.ContentLength > limit {
		c.refuse(w, refusal{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body of %d bytes exceeds gateway max_body_size %d", r.ContentLength, limit)})
		return
	}
	// The body is read whole: it must be hashed before sending, and a
	// body in memory can be replayed if AWS asks for a retry.
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		c.refuse(w, refusal{http.StatusBadRequest, "body_read", "reading the request body: " + err.Error()})
		return
	}
	if int64(len(body)) > limit {
		c.refuse(w, refusal{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("body exceeds gateway max_body_size %d", limit)})
		return
	}

	out, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		c.refuse(w, refusal{http.StatusBadRequest, "bad_path", err.Error()})
		return
	}
	out.URL = target
	if len(body) == 0 {
		out.Body, out.GetBody, out.ContentLength = http.NoBody, nil, 0
	}
	copyHeader(out.Header, r.Header)
	for _, h := range clientSigningHeaders {
		out.Header.Del(h)
	}

	resp, err := inst.auth.Transport(inst.base).RoundTrip(out)
	if err != nil {
		// Both are retried by remote_write and loki.write: nothing is
		// lost while credentials or the upstream come back.
		status, reason := http.StatusBadGateway, "upstream_error"
		var ce *awsauth.CredentialsError
		if errors.As(err, &ce) {
			status, reason = http.StatusServiceUnavailable, "no_credentials"
		}
		if r.Context().Err() != nil {
			return // the client went away; nobody to answer
		}
		level.Warn(c.log).Log("msg", "signing gateway: upstream request failed", "host", target.Host, "err", err)
		c.refuse(w, refusal{status, reason, fmt.Sprintf("%s %s: %v", r.Method, target.Host, err)})
		return
	}
	defer resp.Body.Close()
	copyHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
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
	if (port == "" || port == "443") && awsauth.IsAWSHost(name) {
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

func loopbackClient(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
	for _, h := range hopHeaders {
		dst.Del(h)
	}
	for _, name := range strings.Split(src.Get("Connection"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			dst.Del(name)
		}
	}
}
