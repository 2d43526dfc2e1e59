package awsauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// SigV4 constants.
const (
	algorithm       = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	shortDateFormat = "20060102"
	// EmptyPayloadHash is the SHA-256 of no bytes.
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// UnsignedPayload may stand in X-Amz-Content-Sha256 for services that allow it.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// ignoredHeaders are never signed: hop-by-hop headers a proxy may rewrite,
// headers that clients and tracing change after signing, and the ones Go
// writes from Request fields rather than from the header map.
var ignoredHeaders = map[string]bool{
	"Authorization":       true,
	"User-Agent":          true,
	"X-Amzn-Trace-Id":     true,
	"Expect":              true,
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Proxy-Connection":    true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Content-Length":      true,
}

// SigningParams are the inputs of one signature besides the request and the
// credentials.
type SigningParams struct {
	Region, Service string
	Time            time.Time
	// PayloadHash is the hex SHA-256 of the body (or UnsignedPayload).
	PayloadHash string
	// NoNormalizePath keeps the path as sent and encodes it once, as S3
	// wants; other services normalize and encode twice.
	NoNormalizePath bool
	// ContentSHA256 adds X-Amz-Content-Sha256 (required by s3 and aoss).
	ContentSHA256 bool
}

// ParamsFor are the parameters the Transport signs a request with: S3
// keeps its path as sent, and s3 and aoss get X-Amz-Content-Sha256 (as does
// every request with signBody).
func ParamsFor(service, region string, at time.Time, payloadHash string, signBody bool) SigningParams {
	return SigningParams{
		Region:          region,
		Service:         service,
		Time:            at,
		PayloadHash:     payloadHash,
		NoNormalizePath: service == "s3",
		ContentSHA256:   signBody || service == "s3" || service == "aoss",
	}
}

// Signature holds the intermediate results, for debugging with `sign`.
type Signature struct {
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string
	Authorization    string
}

// Sign signs req in place: it sets Host, X-Amz-Date, X-Amz-Security-Token
// (with a session token), X-Amz-Content-Sha256 (when asked) and
// Authorization. Pass a clone: the transport never signs the caller's request.
func Sign(req *http.Request, creds aws.Credentials, p SigningParams) Signature {
	t := p.Time.UTC()
	amzDate := t.Format(amzDateFormat)
	req.Host = canonicalHost(req)
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Del("Authorization")
	if creds.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	} else {
		req.Header.Del("X-Amz-Security-Token")
	}
	if p.ContentSHA256 {
		req.Header.Set("X-Amz-Content-Sha256", p.PayloadHash)
	}

	var s Signature
	s.CanonicalRequest, s.SignedHeaders = canonicalRequest(req, p)
	scope := t.Format(shortDateFormat) + "/" + p.Region + "/" + p.Service + "/aws4_request"
	crHash := sha256.Sum256([]byte(s.CanonicalRequest))
	s.StringToSign = algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])
	key := signingKeys.get(creds.SecretAccessKey, t.Format(shortDateFormat), p.Region, p.Service)
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(s.StringToSign))
	s.Signature = hex.EncodeToString(mac.Sum(nil))
	s.Authorization = algorithm + " Credential=" + creds.AccessKeyID + "/" + scope +
		", SignedHeaders=" + s.SignedHeaders + ", Signature=" + s.Signature
	req.Header.Set("Authorization", s.Authorization)
	return s
}

// canonicalHost is the Host header as it goes on the wire, without the
// scheme's default port (Go would not send it either way consistently).
func canonicalHost(req *http.Request) string {
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

func canonicalRequest(req *http.Request, p SigningParams) (creq, signed string) {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(req.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(req.URL, p.NoNormalizePath))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(req.URL.RawQuery))
	b.WriteByte('\n')

	names := make([]string, 0, len(req.Header)+1)
	names = append(names, "host")
	for k, vs := range req.Header {
		if ignoredHeaders[http.CanonicalHeaderKey(k)] || !hasValue(vs) || strings.EqualFold(k, "host") {
			continue
		}
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			b.WriteString(req.Host)
		} else {
			for i, v := range req.Header.Values(name) {
				if i > 0 {
					b.WriteByte(',')
				}
				writeTrimmed(&b, v)
			}
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	signed = strings.Join(names, ";")
	b.WriteString(signed)
	b.WriteByte('\n')
	b.WriteString(p.PayloadHash)
	return b.String(), signed
}

func hasValue(vs []string) bool {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return true
		}
	}
	return false
}

// writeTrimmed writes v without leading and trailing space and with runs
// of spaces folded to one.
func writeTrimmed(b *strings.Builder, v string) {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
	}
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

// keyCache remembers derived signing keys: deriving one costs four HMACs,
// and a transport signs for few (date, region, service, secret) at a time.
type keyCache struct {
	mu   sync.RWMutex
	keys map[keyID][32]byte
}

type keyID struct{ secret, date, region, service string }

var signingKeys = &keyCache{keys: map[keyID][32]byte{}}

func (c *keyCache) get(secret, date, region, service string) [32]byte {
	id := keyID{secret, date, region, service}
	c.mu.RLock()
	k, ok := c.keys[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveKey(secret, date, region, service)
	c.mu.Lock()
	if len(c.keys) >= 64 { // dates and secrets roll over: start afresh
		c.keys = map[keyID][32]byte{}
	}
	c.keys[id] = k
	c.mu.Unlock()
	return k
}

// DeriveKey returns the SigV4 signing key for a secret, date (YYYYMMDD),
// region and service.
func deriveKey(secret, date, region, service string) [32]byte {
	h := func(key []byte, data string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(data))
		return m.Sum(nil)
	}
	var out [32]byte
	copy(out[:], h(h(h(h([]byte("AWS4"+secret), date), region), service), "aws4_request"))
	return out
}
