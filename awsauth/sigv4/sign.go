package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"slices"
	"strconv"
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
)

// SigningParams are the inputs of one signature besides the request and the
// credentials.
type SigningParams struct {
	Region, Service string
	Time            time.Time
	// PayloadHash is the hex SHA-256 of the body (or unsignedPayload).
	PayloadHash string
	// NoNormalizePath keeps the path as sent and encodes it once, as S3
	// wants; other services normalize and encode twice.
	NoNormalizePath bool
	// ContentSHA256 adds X-Amz-Content-Sha256 (required by s3 and aoss).
	ContentSHA256 bool
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
// Authorization. Content-Length is signed when req.ContentLength > 0, as
// the AWS SDKs do. Pass a clone: a transport must not change the caller's
// request.
func Sign(req *http.Request, creds aws.Credentials, p SigningParams) {
	sign(req, creds, p, nil)
}

// Explain signs as Sign does and returns every intermediate result, for
// comparing a canonical request with the one a service computed.
func Explain(req *http.Request, creds aws.Credentials, p SigningParams) Signature {
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

	if creds.SessionToken != "" {
		req.Header["X-Amz-Security-Token"] = []string{creds.SessionToken}
	} else {
		delete(req.Header, "X-Amz-Security-Token")
	}
	ts := s.toSign(req, p, algorithm)

	// The signature, with the cached key's HMAC pads.
	key := signingKeys.get(creds.SecretAccessKey, ts.shortDate, p.Region, p.Service)
	s.h.Reset()
	s.h.Write(key.ipad[:])
	s.h.Write(s.sts)
	inner := s.h.Sum(s.inner[:0])
	s.h.Reset()
	s.h.Write(key.opad[:])
	s.h.Write(inner)
	sig := s.h.Sum(s.sum[:0])
	s.authorize(req, ts, algorithm, creds.AccessKeyID, sig, debug)
}

// stringToSign locates the parts of scratch's canonical request and
// string to sign that the Authorization header repeats.
type stringToSign struct {
	shortDate              string
	signedStart, signedEnd int // the signed headers, in s.buf
	scopeStart, scopeEnd   int // the credential scope, in s.sts
}

// toSign sets Host and X-Amz-Date, drops a previous Authorization, and
// builds the canonical request (s.buf) and the string to sign (s.sts).
func (s *scratch) toSign(req *http.Request, p SigningParams, alg string) stringToSign {
	var dateBuf [16]byte
	amzDate := string(appendAmzDate(dateBuf[:0], p.Time.UTC()))
	ts := stringToSign{shortDate: amzDate[:8]}
	req.Host = CanonicalHost(req)
	req.Header["X-Amz-Date"] = []string{amzDate}
	delete(req.Header, "Authorization")
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
	b, ts.signedStart, ts.signedEnd = s.appendHeaders(b, req)
	b = append(b, '\n')
	b = append(b, p.PayloadHash...)
	s.buf = b

	s.appendStringToSign(alg, amzDate, p, &ts)
	return ts
}

// appendHeaders appends the canonical headers and the signed headers'
// names to b, and says where the names are: every header of req but the
// ignored and empty ones, with host and a positive Content-Length.
func (s *scratch) appendHeaders(b []byte, req *http.Request) (out []byte, signedStart, signedEnd int) {
	names := append(s.names[:0], "host")
	if req.ContentLength > 0 {
		names = append(names, "content-length")
	}
	for k, vs := range req.Header {
		if !ignored(k) && hasValue(vs) && !strings.EqualFold(k, "host") {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, compareFold)
	for _, name := range names {
		b = appendLower(b, name)
		b = append(b, ':')
		switch name {
		case "host":
			b = append(b, req.Host...)
		case "content-length":
			b = strconv.AppendInt(b, req.ContentLength, 10)
		default:
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
	signedStart = len(b)
	for i, name := range names {
		if i > 0 {
			b = append(b, ';')
		}
		b = appendLower(b, name)
	}
	s.names = names
	return b, signedStart, len(b)
}

// appendStringToSign builds the string to sign (s.sts) from the canonical
// request in s.buf, and records where its credential scope is.
func (s *scratch) appendStringToSign(alg, amzDate string, p SigningParams, ts *stringToSign) {
	s.h.Reset()
	s.h.Write(s.buf)
	crHash := s.h.Sum(s.sum[:0])
	t := append(s.sts[:0], alg...)
	t = append(t, '\n')
	t = append(t, amzDate...)
	t = append(t, '\n')
	ts.scopeStart = len(t)
	t = append(t, ts.shortDate...)
	t = append(t, '/')
	t = append(t, p.Region...)
	t = append(t, '/')
	t = append(t, p.Service...)
	t = append(t, "/aws4_request"...)
	ts.scopeEnd = len(t)
	t = append(t, '\n')
	t = hex.AppendEncode(t, crHash)
	s.sts = t
}

// authorize sets the Authorization header: the algorithm, who signed
// (an access key id, or a certificate's serial number) with the scope,
// the signed headers and the signature.
func (s *scratch) authorize(req *http.Request, ts stringToSign, alg, signer string, sig []byte, debug *Signature) {
	a := append(s.auth[:0], alg...)
	a = append(a, " Credential="...)
	a = append(a, signer...)
	a = append(a, '/')
	a = append(a, s.sts[ts.scopeStart:ts.scopeEnd]...)
	a = append(a, ", SignedHeaders="...)
	a = append(a, s.buf[ts.signedStart:ts.signedEnd]...)
	a = append(a, ", Signature="...)
	sigStart := len(a)
	a = hex.AppendEncode(a, sig)
	s.auth = a
	authorization := string(a)
	req.Header["Authorization"] = []string{authorization}

	if debug != nil {
		*debug = Signature{
			CanonicalRequest: string(s.buf),
			StringToSign:     string(s.sts),
			SignedHeaders:    string(s.buf[ts.signedStart:ts.signedEnd]),
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
