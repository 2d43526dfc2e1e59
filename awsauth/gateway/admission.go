package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/operations"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// admit decides, before anything is read or signed, whether the gateway
// forwards r, where to, and as which operation of the table (none for an
// unrestricted service or a host outside AWS's domains). The checks are
// below in the order admit makes them: the client, the target's path and
// host, the host's service and operation, the body's size. The target's
// host is parsed once (scope.Parse), and every check reads that value.
func (g *Gateway) admit(r *http.Request) (*url.URL, operations.Operation, *refusal) {
	gw := &g.policy
	if ref := g.clientAllowed(r); ref != nil {
		return nil, operations.Operation{}, ref
	}
	target, host, ref := g.targetURL(r.RequestURI, gw.AllowedHosts)
	if ref != nil {
		return nil, operations.Operation{}, ref
	}
	if ref := placed(host, target.Host, gw.AllowedHosts); ref != nil {
		return nil, operations.Operation{}, ref
	}
	if ref := samePartition(host, gw.Region); ref != nil {
		return nil, operations.Operation{}, ref
	}
	if ref := serviceAllowed(gw, host); ref != nil {
		return nil, operations.Operation{}, ref
	}
	op, ref := operationAllowed(gw, r.Method, target, host, r.Header)
	if ref != nil {
		return nil, operations.Operation{}, ref
	}
	if r.ContentLength > gw.MaxBodySize {
		return nil, operations.Operation{}, &refusal{http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf(
			"body of %d bytes exceeds gateway max_body_size %d", r.ContentLength, gw.MaxBodySize)}
	}
	return target, op, nil
}

// clientAllowed checks who asks and how: a loopback client (or a remote
// one, when allowed), no browser, a Host header naming the agent, a method
// of gateway { methods }.
func (g *Gateway) clientAllowed(r *http.Request) *refusal {
	gw := &g.policy
	loopback := loopbackClient(r.RemoteAddr)
	if !gw.AllowRemoteClients && !loopback {
		return &refusal{http.StatusForbidden, "remote_client", fmt.Sprintf(
			"refusing client %s: only loopback clients may use the gateway unless gateway { allow_remote_clients = true }", r.RemoteAddr)}
	}
	// Every browser sends Sec-Fetch-* (and Origin on anything but a plain
	// GET); remote_write and loki.write never do.
	if name := browserHeader(r.Header); name != "" {
		return &refusal{http.StatusForbidden, "browser", fmt.Sprintf(
			"refusing a request with a %q header: browsers may not use the gateway", name)}
	}
	// A page that rebound its own name to 127.0.0.1 (or to the agent's
	// address on the network) still sends that name.
	if !g.servedHost(r.Host) {
		if loopback {
			return &refusal{http.StatusForbidden, "host_header", fmt.Sprintf(
				"refusing Host %q: a loopback client must address the agent as localhost, a loopback address, its listen address or one of gateway { client_hosts }", r.Host)}
		}
		return &refusal{http.StatusForbidden, "host_header", fmt.Sprintf(
			"refusing Host %q: a remote client must address the agent by an address of this host or a name in gateway { client_hosts }", r.Host)}
	}
	if !gw.Allows(r.Method) {
		return &refusal{http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf(
			"method %q is not among gateway { methods } (%s): add it there to forward it", r.Method, strings.Join(gw.Methods, ", "))}
	}
	return nil
}

func loopbackClient(remoteAddr string) bool {
	ip := net.ParseIP(scope.StripPort(remoteAddr))
	return ip != nil && ip.IsLoopback()
}

// browserHeader names the first header that only browsers send, if any,
// in any case (a name net/http cannot canonicalize stays as sent).
func browserHeader(h http.Header) string {
	for name := range h {
		if strings.EqualFold(name, "Origin") || len(name) >= 10 && strings.EqualFold(name[:10], "Sec-Fetch-") {
			return name
		}
	}
	return ""
}

// servedHost reports whether a Host header names the agent: localhost,
// a loopback address, the server's own listen address, a name of
// gateway { client_hosts } (with or without its port), or, for the
// remote clients allow_remote_clients admits, an address of one of this
// host's interfaces. No Host at all, which no browser sends, names it too.
func (g *Gateway) servedHost(hostport string) bool {
	hostport = strings.ToLower(hostport)
	if hostport == "" {
		return true
	}
	host, port, err := net.SplitHostPort(hostport)
	switch {
	case err == nil && !validPort(port):
		return false // net.SplitHostPort takes any text for a port
	case err != nil && strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]"):
		host = hostport[1 : len(hostport)-1]
	case err != nil && strings.Contains(hostport, ":"):
		return false // an IPv6 address without brackets, or worse
	case err != nil:
		host = hostport
	}
	addr, err := netip.ParseAddr(host)
	// 0.0.0.0 is no address of the agent's, though a listen address may
	// name it, and browsers send requests to it on to loopback.
	if err == nil && addr.IsUnspecified() {
		return false
	}
	if slices.Contains(g.policy.OwnHosts, hostport) || host == "localhost" ||
		slices.ContainsFunc(g.policy.ClientHosts, func(c string) bool { return strings.EqualFold(c, hostport) || strings.EqualFold(c, host) }) {
		return true
	}
	if err != nil {
		return false
	}
	// Loopback as written: 127.0.0.0/8 in dotted form, or ::1 (not an
	// IPv4-mapped form, which no client of the agent's writes).
	if addr.Is4() && addr.IsLoopback() || addr == netip.IPv6Loopback() {
		return true
	}
	return g.policy.AllowRemoteClients && slices.Contains(g.ifaddrs, addr.WithZone(""))
}

// interfaceAddrs are the addresses of this host's interfaces, which
// remote clients may address the agent by.
func interfaceAddrs() []netip.Addr {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range as {
		if p, err := netip.ParsePrefix(a.String()); err == nil && !p.Addr().IsUnspecified() {
			out = append(out, p.Addr().Unmap().WithZone(""))
		}
	}
	return out
}

// validPort is a decimal port number, 1 to 65535.
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 65536 && strconv.Itoa(n) == port
}

// targetURL builds https://{host}/{path}?{query} from the raw request URI,
// which keeps the client's escaping (%2F, %20) that r.URL.Path has lost,
// and parses its host: the value the checks after it read.
func (g *Gateway) targetURL(requestURI string, allowed []string) (*url.URL, scope.Host, *refusal) {
	rest, ok := strings.CutPrefix(requestURI, g.policy.PathPrefix)
	if !ok || g.policy.PathPrefix == "" {
		return nil, scope.Host{}, &refusal{http.StatusBadRequest, "bad_path", fmt.Sprintf("unexpected path %q: use gateway_url + \"/HOST/PATH\"", requestURI)}
	}
	host, pathAndQuery, _ := strings.Cut(rest, "/")
	pathAndQuery = "/" + pathAndQuery
	if host == "" {
		return nil, scope.Host{}, &refusal{http.StatusBadRequest, "bad_path", "no host in the path: use gateway_url + \"/HOST/PATH\""}
	}
	if !validHost(host) {
		return nil, scope.Host{}, &refusal{http.StatusBadRequest, "bad_path", fmt.Sprintf("%q is not a host name", host)}
	}
	host = strings.ToLower(host)
	parsed := scope.Parse(host)
	if !hostAllowed(host, parsed, allowed) {
		return nil, scope.Host{}, &refusal{http.StatusForbidden, "host_not_allowed", fmt.Sprintf(
			"host %q is neither an AWS endpoint nor in gateway { allowed_hosts }", host)}
	}
	u, err := url.Parse("https://" + host + pathAndQuery)
	if err != nil || u.Host != host || u.User != nil || u.Fragment != "" {
		return nil, scope.Host{}, &refusal{http.StatusBadRequest, "bad_path", fmt.Sprintf("cannot forward %q", rest)}
	}
	// A dot segment, as written or escaped, names another path than the
	// one admission reads: AWS (or a proxy on the way) may resolve it.
	// The decoded path has every one the escaped path has, and %2e%2e too.
	if dotSegment(u.Path) {
		return nil, scope.Host{}, &refusal{http.StatusBadRequest, "bad_path", "a path with a . or .. segment is not forwarded: write the path it means"}
	}
	return u, parsed, nil
}

// dotSegment reports whether a path has a "." or ".." segment.
func dotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
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

// hostAllowed: host (parsed: its parse) is an AWS endpoint on the default
// port, or an allowed_hosts entry (an entry without a port allows the
// default port only).
func hostAllowed(host string, parsed scope.Host, allowed []string) bool {
	name, port, _ := strings.Cut(host, ":")
	if (port == "" || port == "443") && parsed.AWS {
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

// placed refuses an AWS host whose service and region the inference
// cannot tell (iam.us-gov.amazonaws.com, *.elb.amazonaws.com), unless
// allowed_hosts lists it (as written, hostport, or by name): else the
// configured service would be signed for whatever it is.
func placed(host scope.Host, hostport string, allowed []string) *refusal {
	if !host.AWS || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, hostport) || strings.EqualFold(a, host.Name) }) {
		return nil
	}
	// validHost let no empty label through: an inferred host has both.
	if !host.Inferred {
		return &refusal{http.StatusForbidden, "host_not_allowed", fmt.Sprintf(
			"%q is in an AWS domain but names no service and region aws.auth knows: list it in gateway { allowed_hosts } to sign for it", host.Name)}
	}
	return nil
}

// samePartition refuses a host of another partition than the
// credentials': AWS would answer UnrecognizedClientException, which anyone
// could provoke, and no refresh would help.
func samePartition(host scope.Host, region string) *refusal {
	hp, cp := host.Partition(), scope.Partition(region)
	if hp == "" || hp == cp {
		return nil
	}
	return &refusal{http.StatusForbidden, "partition_mismatch", fmt.Sprintf(
		"%s is in partition %s; aws.auth's credentials (region %s) are of %s, where that host does not know them", host.Name, hp, region, cp)}
}

// serviceAllowed checks the service the request would be signed for, and
// for an AWS endpoint the service the endpoint belongs to, against
// gateway { services }.
func serviceAllowed(gw *Policy, host scope.Host) *refusal {
	signing, _, err := host.Scope(gw.Service, gw.Region)
	if err != nil {
		return &refusal{http.StatusForbidden, "service_not_allowed", err.Error()}
	}
	services := []string{signing}
	if host.Inferred && host.Service != signing {
		services = append(services, host.Service)
	}
	for _, s := range services {
		switch {
		case slices.Contains(ForbiddenServices, s):
			return &refusal{http.StatusForbidden, "service_not_allowed", fmt.Sprintf(
				"service %q is never signed by the gateway: it could mint or read credentials or secrets", s)}
		case !gw.SignsFor(s):
			return &refusal{http.StatusForbidden, "service_not_allowed", fmt.Sprintf(
				"service %q is not among gateway { services } (%s): add it there to sign for it", s, strings.Join(gw.Services, ", "))}
		}
	}
	return nil
}

// operationAllowed lets through, for a service the operations table
// knows, only its telemetry writes, unless gateway { unrestricted_services }
// lists the service; and for a service it does not know, only when that
// setting lists it. Hosts outside AWS's domains (allowed_hosts) name their
// own operations.
//
// A table operation is exactly the write the table names: no
// X-Amz-Target header, which selects another operation of a JSON-protocol
// API, and, at an endpoint AWS operates, no query string, which selects
// one of a query-protocol API (/v1/metrics?Action=DeleteAlarms). Whether
// AWS would route such a request to the other operation is AWS's to
// decide, and nobody here can test it: the gateway does not sign it.
// (A customer's endpoint — an API Gateway API, a domain — keeps its query
// strings: they are its own API's.)
func operationAllowed(gw *Policy, method string, target *url.URL, host scope.Host, header http.Header) (operations.Operation, *refusal) {
	service := host.Service
	if !host.Inferred || slices.Contains(gw.UnrestrictedServices, service) {
		return operations.Operation{}, nil
	}
	if !operations.Known(service) {
		return operations.Operation{}, &refusal{http.StatusForbidden, "operation_not_allowed", fmt.Sprintf(
			"%s: the gateway knows no telemetry write of %q; add it to gateway { unrestricted_services } to sign any operation of it", operations.Describe(method, host, target.EscapedPath()), service)}
	}
	// Both forms of the path must match: the one AWS sees and the decoded
	// one, so that no escaping passes for another path.
	op, ok := operations.Match(method, host, target.EscapedPath())
	if ok {
		_, ok = operations.Match(method, host, target.Path)
	}
	if !ok {
		return operations.Operation{}, &refusal{http.StatusForbidden, "operation_not_allowed", fmt.Sprintf(
			"%s is not a telemetry write the gateway signs for %q; add %q to gateway { unrestricted_services } to sign any of its operations", operations.Describe(method, host, target.EscapedPath()), service, service)}
	}
	for name := range header {
		if strings.EqualFold(name, "X-Amz-Target") {
			return operations.Operation{}, &refusal{http.StatusForbidden, "operation_not_allowed", fmt.Sprintf(
				"%s with an X-Amz-Target header: the header selects another operation, which the gateway does not sign", operations.Describe(method, host, target.EscapedPath()))}
		}
	}
	if (target.RawQuery != "" || target.ForceQuery) && host.AWSOperated() {
		return operations.Operation{}, &refusal{http.StatusForbidden, "operation_not_allowed", fmt.Sprintf(
			"%s with a query string: AWS's telemetry writes take none, and a query can select another operation, which the gateway does not sign", operations.Describe(method, host, target.EscapedPath()))}
	}
	return op, nil
}
