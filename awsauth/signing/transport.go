package signing

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
)

// Scope says what requests are signed for.
type Scope struct {
	// Region is used when the host names none.
	Region string
	// Service, when set, overrides the service inferred from the host.
	Service string
}

// Transport is an http.RoundTripper that signs each request with SigV4 and
// hands it to Base, as oauth2.Transport adds a token. It clones the
// request and never changes the caller's. It signs last: put nothing but
// the network beneath it. Retry wraps it to act on what AWS answers.
type Transport struct {
	// Source supplies the credentials, typically a cache.Cache.
	Source aws.CredentialsProvider
	// Base sends the signed request. Nil means http.DefaultTransport.
	Base http.RoundTripper
	// Scope says what each request is signed for.
	Scope Scope
	// Clock, when set, is AWS's clock as Retry learned it; signatures
	// are dated by it. Nil: the local clock.
	Clock *Clock
	// Stats, when set, counts what the transport signs and what AWS answers.
	Stats *stats.Stats
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, _, err := t.roundTrip(req)
	return resp, err
}

// roundTrip is RoundTrip, and also returns the AWS error an answer of 400
// or more carries, parsed once for the counters and for Retry.
func (t *Transport) roundTrip(req *http.Request) (*http.Response, *classify.APIError, error) {
	// A RoundTripper closes the body, on error too; once Base has it, Base does.
	ownBody := req.Body != nil
	defer func() {
		if ownBody {
			req.Body.Close()
		}
	}()

	service, region, err := scope.For(sigv4.CanonicalHost(req), t.Scope.Service, t.Scope.Region)
	if err != nil {
		return nil, nil, err
	}
	p, err := newPayload(req)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the request body to sign it: %w", err)
	}
	if p.buffered {
		ownBody = false // newPayload closed it
	}
	creds, err := t.Source.Retrieve(req.Context())
	if err != nil {
		return nil, nil, &CredentialsError{Host: hostOnly(req), Err: err}
	}
	ownBody = false

	r := shallowClone(req)
	r.Body = p.first
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
	sigv4.Sign(r, creds, Params(req.Header, service, region, start.Add(t.Clock.Offset()), p.hash))
	t.Stats.Signed(service, time.Since(start))

	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		t.Stats.Failed(service, r.Host, err)
		return nil, nil, err
	}
	// The request as signed, for Retry: which key AWS refused.
	resp.Request = r
	var apiErr *classify.APIError
	if resp.StatusCode >= 400 {
		apiErr = inspect(resp)
	}
	t.Stats.Response(service, r.Host, resp.StatusCode, apiErr)
	return resp, apiErr, nil
}

// partition is the partition of the credentials' region.
func (t *Transport) partition() string { return scope.Partition(t.Scope.Region) }

// learnClock learns AWS's clock from a skew answer into t's Clock, if it
// has one, and tells whether the clock moved.
func (t *Transport) learnClock(resp *http.Response) bool {
	return t.Clock != nil && t.Clock.learn(resp, t.Stats)
}

// shallowClone copies req and its header map; the body is shared.
func shallowClone(req *http.Request) *http.Request {
	r := new(http.Request)
	*r = *req
	r.Header = make(http.Header, len(req.Header)+4)
	for k, v := range req.Header {
		r.Header[k] = v
	}
	return r
}

// CredentialsError is returned when there are no credentials to sign with.
type CredentialsError struct {
	Host string
	Err  error
}

func (e *CredentialsError) Error() string {
	return "cannot sign the request to " + e.Host + ": " + e.Err.Error()
}
func (e *CredentialsError) Unwrap() error { return e.Err }

// hostOnly is the request's host without port, for messages.
func hostOnly(req *http.Request) string {
	return strings.ToLower(scope.StripPort(sigv4.CanonicalHost(req)))
}

// maxErrorPeek bounds how much of an error response is read to classify it.
const maxErrorPeek = 64 << 10

// inspect reads the start of an error response to find the AWS error code,
// and puts back what it read so the caller gets the body unchanged.
func inspect(resp *http.Response) *classify.APIError {
	peek, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body = &peekedBody{Reader: io.MultiReader(bytes.NewReader(peek), resp.Body), closer: resp.Body}
	if err != nil {
		return nil
	}
	e, ok := classify.ParseAPIError(resp.StatusCode, resp.Header, peek)
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
