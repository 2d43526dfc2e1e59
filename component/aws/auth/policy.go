package auth

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
)

// admit decides, before anything is read or signed, whether the gateway
// forwards r, and where to.
func (c *Component) admit(inst *instance, r *http.Request) (*url.URL, *refusal) {
	gw := inst.args.Gateway
	loopback := loopbackClient(r.RemoteAddr)
	if !gw.AllowRemoteClients && !loopback {
		return nil, &refusal{http.StatusForbidden, "remote_client", fmt.Sprintf(
			"refusing client %s: only loopback clients may use the gateway unless gateway { allow_remote_clients = true }", r.RemoteAddr)}
	}
	// Every browser sends Sec-Fetch-* (and Origin on anything but a plain
	// GET); remote_write and loki.write never do.
	if name := browserHeader(r.Header); name != "" {
		return nil, &refusal{http.StatusForbidden, "browser", fmt.Sprintf(
			"refusing a request with a %q header: browsers may not use the gateway", name)}
	}
	// A page that rebound its own name to 127.0.0.1 still sends that name.
	if loopback && !c.ownHost(r.Host) {
		return nil, &refusal{http.StatusForbidden, "host_header", fmt.Sprintf(
			"refusing Host %q: a loopback client must address the agent as localhost, a loopback address or its listen address", r.Host)}
	}
	if !gw.Allows(r.Method) {
		return nil, &refusal{http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf(
			"method %q is not among gateway { methods } (%s): add it there to forward it", r.Method, strings.Join(gw.Methods, ", "))}
	}
	target, ref := c.targetURL(r.RequestURI, gw.AllowedHosts)
	if ref != nil {
		return nil, ref
	}
	if ref := serviceAllowed(gw, target.Host, inst.args.Service, inst.auth.Region()); ref != nil {
		return nil, ref
	}
	if r.ContentLength > int64(gw.MaxBodySize) {
		return nil, &refusal{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf(
			"body of %d bytes exceeds gateway max_body_size %d", r.ContentLength, int64(gw.MaxBodySize))}
	}
	return target, nil
}

// browserHeader names the first header that only browsers send, if any.
func browserHeader(h http.Header) string {
	if _, ok := h["Origin"]; ok {
		return "Origin"
	}
	for name := range h {
		if strings.HasPrefix(name, "Sec-Fetch-") {
			return name
		}
	}
	return ""
}

// ownHost reports whether a loopback client's Host header names the agent:
// localhost, a loopback address or the server's own listen address (and
// no Host at all, which no browser sends).
func (c *Component) ownHost(hostport string) bool {
	hostport = strings.ToLower(hostport)
	if hostport == "" || slices.Contains(c.ownHosts, hostport) {
		return true
	}
	host := hostOf(hostport)
	return host == "localhost" || loopbackIP(host)
}

// serviceAllowed checks the service the request would be signed for, and
// for an AWS endpoint the service the endpoint belongs to, against
// gateway { services }.
func serviceAllowed(gw awsriver.Gateway, host, configured, region string) *refusal {
	signing, _, err := scope.For(host, configured, region)
	if err != nil {
		return &refusal{http.StatusForbidden, "service_not_allowed", err.Error()}
	}
	services := []string{signing}
	if inferred, _, ok := scope.Infer(host); ok && inferred != signing {
		services = append(services, inferred)
	}
	for _, s := range services {
		switch {
		case slices.Contains(awsriver.ForbiddenGatewayServices, s):
			return &refusal{http.StatusForbidden, "service_not_allowed", fmt.Sprintf(
				"service %q is never signed by the gateway: it could mint or read credentials or secrets", s)}
		case !gw.SignsFor(s):
			return &refusal{http.StatusForbidden, "service_not_allowed", fmt.Sprintf(
				"service %q is not among gateway { services } (%s): add it there to sign for it", s, strings.Join(gw.Services, ", "))}
		}
	}
	return nil
}
