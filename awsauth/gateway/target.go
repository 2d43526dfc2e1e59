package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// targetURL builds https://{host}/{path}?{query} from the raw request URI,
// which keeps the client's escaping (%2F, %20) that r.URL.Path has lost.
func (g *Gateway) targetURL(requestURI string, allowed []string) (*url.URL, *refusal) {
	rest, ok := strings.CutPrefix(requestURI, g.policy.PathPrefix)
	if !ok || g.policy.PathPrefix == "" {
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
	// A dot segment, as written or escaped, names another path than the
	// one admission reads: AWS (or a proxy on the way) may resolve it.
	if dotSegment(u.Path) || dotSegment(u.EscapedPath()) {
		return nil, &refusal{http.StatusBadRequest, "bad_path", "a path with a . or .. segment is not forwarded: write the path it means"}
	}
	return u, nil
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
