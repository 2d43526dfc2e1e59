package awsauth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// CredentialsSource is what the Transport needs of a Cache.
type CredentialsSource interface {
	Retrieve(ctx context.Context) (aws.Credentials, error)
	ForceRefresh(ctx context.Context, rejected aws.Credentials) (aws.Credentials, error)
}

// Transport is an http.RoundTripper that signs each request with SigV4 and
// hands it to Base. It clones the request and never changes the caller's.
// It signs last: put nothing but the network transport beneath it.
type Transport struct {
	// Source supplies the credentials.
	Source CredentialsSource
	// Base sends the signed request. Nil means http.DefaultTransport.
	Base http.RoundTripper
	// Region is used when the host names none.
	Region string
	// Service, when set, overrides the service inferred from the host.
	Service string
	// SignBody adds X-Amz-Content-Sha256 to every request.
	SignBody bool
	// Stats, when set, counts what the transport does.
	Stats *Stats
	// Clock, when set, is shared with other transports so that a skew one
	// learns serves all. Nil: the transport keeps its own.
	Clock *Clock

	own Clock
}

// Clock is AWS's clock minus ours, learned from clock-skew answers.
type Clock struct{ offset atomic.Int64 }

// Offset is AWS's clock minus ours.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Now is the time by AWS's clock.
func (c *Clock) Now() time.Time { return time.Now().Add(c.Offset()) }

func (t *Transport) clock() *Clock {
	if t.Clock != nil {
		return t.Clock
	}
	return &t.own
}

// maxErrorPeek bounds how much of an error response is read to classify it.
const maxErrorPeek = 64 << 10

// skewThreshold is how far a response's Date may be from our clock before a
// signature mismatch is put down to clock skew.
const skewThreshold = time.Minute

// ClockOffset is the server's clock minus ours, as learned from the last
// clock-skew answer; requests are signed at now plus this offset.
func (t *Transport) ClockOffset() time.Duration { return t.clock().Offset() }

// RoundTrip implements http.RoundTripper. On 403 ExpiredToken (and its
// kin) it refreshes the credentials and retries once; on clock skew it
// learns the server's clock and retries once.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper closes the body, on error too; once Base has it, Base does.
	ownBody := req.Body != nil
	defer func() {
		if ownBody {
			req.Body.Close()
		}
	}()

	service, region, err := ScopeFor(sigv4.CanonicalHost(req), t.Service, t.Region)
	if err != nil {
		return nil, err
	}
	p, err := newPayload(req)
	if err != nil {
		return nil, fmt.Errorf("reading the request body to sign it: %w", err)
	}
	if p.buffered {
		ownBody = false // newPayload closed it
	}
	creds, err := t.Source.Retrieve(req.Context())
	if err != nil {
		return nil, &CredentialsError{Host: hostOnly(req), Err: err}
	}
	ownBody = false
	resp, apiErr, err := t.send(req, p, p.first, creds, service, region)
	if err != nil || apiErr == nil || !p.replayable() {
		return resp, err
	}

	// What an answer says about the signature is believed only from AWS
	// itself: a customer's API, function or domain could otherwise set the
	// clock every signature uses, or drive refreshes.
	if !AWSOperated(sigv4.CanonicalHost(req)) {
		return resp, nil
	}
	switch apiErr.Class() {
	case ClassExpired, ClassInvalidToken:
		creds, err = t.Source.ForceRefresh(req.Context(), creds)
		if err != nil {
			return resp, nil // the caller sees AWS's own answer
		}
		t.Stats.retried("expired_token")
	case ClassClockSkew, ClassSignatureMismatch:
		if !t.learnSkew(resp) {
			return resp, nil
		}
		t.Stats.retried("clock_skew")
	default:
		return resp, nil
	}
	body, err := p.replay()
	if err != nil {
		return resp, nil
	}
	discard(resp)
	resp, _, err = t.send(req, p, body, creds, service, region)
	return resp, err
}

func (t *Transport) send(req *http.Request, p *payload, body io.ReadCloser, creds aws.Credentials, service, region string) (*http.Response, *APIError, error) {
	r := shallowClone(req)
	r.Body = body
	if p.getBody != nil {
		r.GetBody = p.getBody
	}
	if p.buffered {
		r.ContentLength = p.size
	}
	if r.ContentLength > 0 {
		// Content-Length is signed, so it must go on the wire: a request
		// received chunked (as a gateway's may be) leaves chunked otherwise.
		r.TransferEncoding = nil
	}
	start := time.Now()
	sigv4.Sign(r, creds, sigv4.ParamsFor(service, region, start.Add(t.clock().Offset()), p.hash, t.SignBody || p.declared))
	t.Stats.signed(service, time.Since(start))

	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		t.Stats.failed(service, sigv4.CanonicalHost(req), err)
		return nil, nil, err
	}
	var apiErr *APIError
	if resp.StatusCode >= 400 {
		apiErr = inspect(resp)
	}
	t.Stats.response(service, sigv4.CanonicalHost(req), resp.StatusCode, apiErr)
	return resp, apiErr, nil
}

// shallowClone copies req and its header map; the header values are shared,
// which is safe because signing replaces values and never appends to them.
func shallowClone(req *http.Request) *http.Request {
	r := new(http.Request)
	*r = *req
	r.Header = make(http.Header, len(req.Header)+4)
	for k, v := range req.Header {
		r.Header[k] = v
	}
	return r
}

// learnSkew sets the clock offset from the response's Date header when it is
// far enough from the time we signed with to explain the error. It reports
// whether a retry is worth it. Once the clocks agree again (NTP fixed, or
// AWS's side corrected) the offset goes back to zero: a stale offset would
// have every request rejected.
func (t *Transport) learnSkew(resp *http.Response) bool {
	server, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return false
	}
	offset := time.Until(server)
	if (offset - t.clock().Offset()).Abs() < skewThreshold {
		return false
	}
	if offset.Abs() < skewThreshold {
		offset = 0
	}
	t.clock().offset.Store(int64(offset))
	t.Stats.skew(offset)
	return true
}

// inspect reads the start of an error response to find the AWS error code,
// and puts back what it read so the caller gets the body unchanged.
func inspect(resp *http.Response) *APIError {
	peek, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body = &peekedBody{Reader: io.MultiReader(bytes.NewReader(peek), resp.Body), closer: resp.Body}
	if err != nil {
		return nil
	}
	e, ok := ParseAPIError(resp.StatusCode, resp.Header, peek)
	if !ok {
		return nil
	}
	return e
}

type peekedBody struct {
	io.Reader
	closer io.Closer
}

func (b *peekedBody) Close() error { return b.closer.Close() }

func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body.Close()
}

// payload is a request body hashed once. A body with GetBody is hashed
// through a second reader and sent as it is; any other body is read into
// memory once, since it has to be both hashed and sent.
type payload struct {
	hash     string
	first    io.ReadCloser
	getBody  func() (io.ReadCloser, error)
	buffered bool
	size     int64 // of a buffered body
	declared bool  // the caller set X-Amz-Content-Sha256 itself
}

func (p *payload) replayable() bool { return p.getBody != nil }

func (p *payload) replay() (io.ReadCloser, error) { return p.getBody() }

func newPayload(req *http.Request) (*payload, error) {
	if h := req.Header.Get("X-Amz-Content-Sha256"); h != "" {
		return &payload{hash: h, first: req.Body, getBody: req.GetBody, declared: true}, nil
	}
	if req.Body == nil || req.Body == http.NoBody {
		return &payload{hash: sigv4.EmptyPayloadHash, first: req.Body, getBody: noBody}, nil
	}
	if req.GetBody != nil {
		r, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		hash, err := hashReader(r)
		if err != nil {
			return nil, err
		}
		return &payload{hash: hash, first: req.Body, getBody: req.GetBody}, nil
	}
	var b []byte
	var err error
	if n := req.ContentLength; n > 0 && n < 1<<30 {
		// The length is known: one allocation of the right size.
		b = make([]byte, n)
		_, err = io.ReadFull(req.Body, b)
	} else {
		b, err = io.ReadAll(req.Body)
	}
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	getBody := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	first, _ := getBody()
	return &payload{hash: hex.EncodeToString(sum[:]), first: first, getBody: getBody, buffered: true, size: int64(len(b))}, nil
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

var digests = sync.Pool{New: func() any { return sha256.New() }}

// hashReader is the hex SHA-256 of what r holds. A bytes.Reader hands its
// slice straight to the hash (WriterTo): no copy.
func hashReader(r io.Reader) (string, error) {
	h := digests.Get().(hash.Hash)
	defer digests.Put(h)
	h.Reset()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])), nil
}

// CredentialsError is returned when a request cannot be signed for want of
// credentials: nothing was sent.
type CredentialsError struct {
	Host string
	Err  error
}

func (e *CredentialsError) Error() string {
	return "cannot sign the request to " + e.Host + ": " + e.Err.Error()
}
func (e *CredentialsError) Unwrap() error { return e.Err }

// hostOnly is the request's host without port, for messages.
func hostOnly(req *http.Request) string { return strings.ToLower(stripPort(sigv4.CanonicalHost(req))) }
