package sigv4

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// ignoredHeaders are never signed: hop-by-hop headers a proxy may rewrite,
// headers that clients and tracing change after signing, and the ones Go
// writes from Request fields rather than from the header map.
var ignoredHeaders = []string{
	"Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect",
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
}

func ignored(name string) bool {
	for _, h := range ignoredHeaders {
		if strings.EqualFold(name, h) {
			return true
		}
	}
	return false
}

// compareFold orders header names as their lower-case forms sort.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b = append(b, lower(s[i]))
	}
	return b
}

func hasValue(vs []string) bool {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// appendTrimmed appends v without leading and trailing space and with
// runs of spaces folded to one.
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return b
}

func canonicalURI(u *url.URL, noNormalize bool) string {
	if noNormalize {
		// S3: the path as the server decodes it, encoded once.
		if u.Path == "" {
			return "/"
		}
		return escape(u.Path, true)
	}
	// Others: the path as sent, normalized, encoded again.
	p := u.EscapedPath()
	if u.Opaque != "" {
		p = u.Opaque
	}
	return escape(normalizePath(p), true)
}

// normalizePath removes empty, "." and ".." segments (RFC 3986 5.2.4) and
// keeps a trailing slash.
func normalizePath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	r := "/" + strings.Join(out, "/")
	last := segs[len(segs)-1]
	if (last == "" || last == "." || last == "..") && r != "/" {
		r += "/"
	}
	return r
}

// canonicalQuery decodes the raw query and encodes it again the AWS way,
// sorted by name and then value.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	pairs := make([]string, 0, len(parts))
	for _, part := range parts {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		pairs = append(pairs, escape(k, false)+"="+escape(v, false))
	}
	sort.Slice(pairs, func(i, j int) bool {
		ki, vi, _ := strings.Cut(pairs[i], "=")
		kj, vj, _ := strings.Cut(pairs[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
	return strings.Join(pairs, "&")
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

const upperHex = "0123456789ABCDEF"

// EscapePath is p as SigV4's canonical URI writes it: every byte but the
// unreserved characters and '/' percent-encoded. S3 takes a path encoded
// so as its canonical URI unchanged.
func EscapePath(p string) string { return escape(p, true) }

// escape percent-encodes every byte but the unreserved characters (and '/'
// when keepSlash), in upper-case hex, as SigV4 requires.
func escape(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i], keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c, keepSlash) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte, keepSlash bool) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')
}

// CanonicalHost is the Host header as it goes on the wire, without the
// scheme's default port.
func CanonicalHost(req *http.Request) string {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if strings.HasSuffix(host, ":443") && req.URL.Scheme == "https" {
		return strings.TrimSuffix(host, ":443")
	}
	if strings.HasSuffix(host, ":80") && req.URL.Scheme == "http" {
		return strings.TrimSuffix(host, ":80")
	}
	return host
}
