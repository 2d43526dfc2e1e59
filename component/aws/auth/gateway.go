package auth

import (
	"net"
	"net/http"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway"
	"github.com/go-kit/log/level"
	"github.com/grafana/agent/component"
	httpservice "github.com/grafana/agent/service/http"
)

// The signing gateway: {gateway_url}/{host}/{path}?{query} is forwarded to
// https://{host}/{path}?{query}, signed. It is served by the agent's own
// HTTP server under /api/v0/component/<id>/, for prometheus.remote_write and
// loki.write, which take no custom transport.
//
// The gateway itself — admission, target, bounds, proxy — is package
// awsauth/gateway; the component mounts it, counts and logs for it, and
// builds a new one with each configuration.

var _ httpservice.Component = (*Component)(nil)

// Handler implements the HTTP service's component handler: the current
// configuration's gateway.
func (c *Component) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.cur.Load().gateway.ServeHTTP(w, r) })
}

// gatewayPolicy is the gateway block of a, where this component is
// mounted, and for auth's credentials.
func (c *Component) gatewayPolicy(a Arguments, auth *awsauth.Auth) gateway.Policy {
	p := a.Gateway.Policy()
	p.PathPrefix, p.OwnHosts = c.pathPrefix, c.ownHosts
	p.Region, p.Service = auth.Region(), a.Service
	p.Writes = c.writes
	return p
}

// GatewayPath is the gateway's path on the agent's HTTP server: a
// component whose arguments hold a URL with it writes through the
// gateway to the host that follows.
func (c *Component) GatewayPath() string { return c.pathPrefix }

// SetWriterHosts tells the component the hosts the agent's components
// write to through its gateway (the agent's runner calls it after each
// load): requests for other hosts are signed apart, and their answers do
// not move health.
func (c *Component) SetWriterHosts(hosts []string) {
	m := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		m[strings.ToLower(h)] = true
	}
	c.writers.Store(&m)
}

// writes tells whether the agent writes to host: yes for every host until
// SetWriterHosts was called.
func (c *Component) writes(host string) bool {
	m := c.writers.Load()
	return m == nil || (*m)[host]
}

// gatewayHooks count the gateway's refusals, redact with auth's secrets,
// and log through the component's logger.
func (c *Component) gatewayHooks(auth *awsauth.Auth) gateway.Hooks {
	return gateway.Hooks{
		Refused: func(reason string) { c.metrics.gatewayRefused.WithLabelValues(reason).Inc() },
		Foreign: c.metrics.gatewayForeign.Inc,
		Redact:  auth.Redact,
		Warn:    c.warnings.warn(c.log),
		Panicked: func(value, stack string) {
			level.Error(c.log).Log("msg", "signing gateway: recovered from a panic; answering 500", "panic", value, "stack", stack)
		},
	}
}

// newGateway is the gateway of one configuration.
func (c *Component) newGateway(a Arguments, auth *awsauth.Auth, base http.RoundTripper) *gateway.Gateway {
	p := c.gatewayPolicy(a, auth)
	p.Foreign = auth.ForeignTransport(base, a.Service)
	return gateway.New(p, auth.Transport(base, a.Service), base, c.gatewayHooks(auth))
}

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
