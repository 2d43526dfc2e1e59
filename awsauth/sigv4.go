package awsauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
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
var ignoredHeaders = []string{
	"Authorization", "User-Agent", "X-Amzn-Trace-Id", "Expect",
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
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
// Authorization. Pass a clone: the transport never signs the caller's
// request. The Signature holds every intermediate result, for `sign`.
func Sign(req *http.Request, creds aws.Credentials, p SigningParams) Signature {
	var s Signature
	sign(req, creds, p, &s)
	return s
}

// scratch is the reusable memory of one signature.
type scratch struct {
	h     hash.Hash
	buf   []byte // the canonical request
	sts   []byte // the string to sign
	auth  []byte
	names []string
	sum   [sha256.Size]byte
	inner [sha256.Size]byte
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{h: sha256.New(), buf: make([]byte, 0, 1024), sts: make([]byte, 0, 256), auth: make([]byte, 0, 256), names: make([]string, 0, 16)}
}}

// sign does the work of Sign; debug, when not nil, receives the
// intermediate results.
func sign(req *http.Request, creds aws.Credentials, p SigningParams, debug *Signature) {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)

	var dateBuf [16]byte
	amzDate := string(appendAmzDate(dateBuf[:0], p.Time.UTC()))
	shortDate := amzDate[:8]
	req.Host = canonicalHost(req)
	req.Header["X-Amz-Date"] = []string{amzDate}
	delete(req.Header, "Authorization")
	if creds.SessionToken != "" {
		req.Header["X-Amz-Security-Token"] = []string{creds.SessionToken}
	} else {
		delete(req.Header, "X-Amz-Security-Token")
	}
	if p.ContentSHA256 {
		req.Header["X-Amz-Content-Sha256"] = []string{p.PayloadHash}
	}

	// The canonical request.
	b := append(s.buf[:0], req.Method...)
	b = append(b, '\n')
	b = append(b, canonicalURI(req.URL, p.NoNormalizePath)...)
	b = append(b, '\n')
	if req.URL.RawQuery != "" {
		b = append(b, canonicalQuery(req.URL.RawQuery)...)
	}
	b = append(b, '\n')
	names := append(s.names[:0], "host")
	for k, vs := range req.Header {
		if !ignored(k) && hasValue(vs) && !strings.EqualFold(k, "host") {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, compareFold)
	for _, name := range names {
		b = appendLower(b, name)
		b = append(b, ':')
		if name == "host" {
			b = append(b, req.Host...)
		} else {
			for i, v := range req.Header[name] {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	signedStart := len(b)
	for i, name := range names {
		if i > 0 {
			b = append(b, ';')
		}
		b = appendLower(b, name)
	}
	signedEnd := len(b)
	b = append(b, '\n')
	b = append(b, p.PayloadHash...)
	s.buf, s.names = b, names

	// The string to sign.
	s.h.Reset()
	s.h.Write(b)
	crHash := s.h.Sum(s.sum[:0])
	t := append(s.sts[:0], algorithm+"\n"...)
	t = append(t, amzDate...)
	t = append(t, '\n')
	scopeStart := len(t)
	t = append(t, shortDate...)
	t = append(t, '/')
	t = append(t, p.Region...)
	t = append(t, '/')
	t = append(t, p.Service...)
	t = append(t, "/aws4_request"...)
	scopeEnd := len(t)
	t = append(t, '\n')
	t = hex.AppendEncode(t, crHash)
	s.sts = t

	// The signature, with the cached key's HMAC pads.
	key := signingKeys.get(creds.SecretAccessKey, shortDate, p.Region, p.Service)
	s.h.Reset()
	s.h.Write(key.ipad[:])
	s.h.Write(t)
	inner := s.h.Sum(s.inner[:0])
	s.h.Reset()
	s.h.Write(key.opad[:])
	s.h.Write(inner)
	sig := s.h.Sum(s.sum[:0])

	a := append(s.auth[:0], algorithm+" Credential="...)
	a = append(a, creds.AccessKeyID...)
	a = append(a, '/')
	a = append(a, t[scopeStart:scopeEnd]...)
	a = append(a, ", SignedHeaders="...)
	a = append(a, b[signedStart:signedEnd]...)
	a = append(a, ", Signature="...)
	sigStart := len(a)
	a = hex.AppendEncode(a, sig)
	s.auth = a
	authorization := string(a)
	req.Header["Authorization"] = []string{authorization}

	if debug != nil {
		*debug = Signature{
			CanonicalRequest: string(b),
			StringToSign:     string(t),
			SignedHeaders:    string(b[signedStart:signedEnd]),
			Signature:        authorization[sigStart:],
			Authorization:    authorization,
		}
	}
}

// appendAmzDate appends t as 20060102T150405Z without time.Format's work.
func appendAmzDate(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendDigits(b, y, 4)
	b = appendDigits(b, int(mo), 2)
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = appendDigits(b, mi, 2)
	b = appendDigits(b, s, 2)
	return append(b, 'Z')
}

func appendDigits(b []byte, v, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
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

// signingKey is a derived SigV4 key with its HMAC pads, so that a
// signature costs two SHA-256 passes and no allocation for the HMAC.
type signingKey struct {
	secret, date, region, service string
	key                           [32]byte
	ipad, opad                    [64]byte
}

func newSigningKey(secret, date, region, service string) *signingKey {
	k := &signingKey{secret: secret, date: date, region: region, service: service, key: deriveKey(secret, date, region, service)}
	for i := range k.ipad {
		var c byte
		if i < len(k.key) {
			c = k.key[i]
		}
		k.ipad[i], k.opad[i] = c^0x36, c^0x5c
	}
	return k
}

func (k *signingKey) is(secret, date, region, service string) bool {
	return k.secret == secret && k.date == date && k.region == region && k.service == service
}

// keyCache remembers derived signing keys: deriving one costs four HMACs,
// and a process signs for few (date, region, service, secret) at a time.
// The last key used is checked first, without a lock.
type keyCache struct {
	last atomic.Pointer[signingKey]
	mu   sync.Mutex
	keys []*signingKey
}

var signingKeys = &keyCache{}

func (c *keyCache) get(secret, date, region, service string) *signingKey {
	if k := c.last.Load(); k != nil && k.is(secret, date, region, service) {
		return k
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.keys {
		if k.is(secret, date, region, service) {
			c.last.Store(k)
			return k
		}
	}
	k := newSigningKey(secret, date, region, service)
	if len(c.keys) >= 32 { // dates and secrets roll over: forget the oldest
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, k)
	c.last.Store(k)
	return k
}

// deriveKey returns the SigV4 signing key for a secret, date (YYYYMMDD),
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

// canonicalHost is the Host header as it goes on the wire, without the
// scheme's default port.
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
