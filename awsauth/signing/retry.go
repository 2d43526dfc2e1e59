package signing

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// Refresher replaces credentials AWS refused; a cache.Cache is one.
type Refresher interface {
	ForceRefresh(ctx context.Context, rejectedKeyID string) (aws.Credentials, error)
}

// Retry sends each request through Next and acts on two answers about the
// signature, then sends the request once more: the credentials expired or
// unknown (Refresher replaces them; see refreshCodes) and clock skew
// (AWS's clock is learned into Next's Clock, which dates its signatures).
// Only answers of AWS-operated endpoints are believed: a customer's API,
// function or domain could otherwise set the clock every signature uses,
// or drive refreshes. One answer costs at most one retry of one request.
type Retry struct {
	// Next signs and sends each request, and counts the retries. If its
	// Clock is nil, clock skew is not retried.
	Next *Transport
	// Refresher replaces credentials AWS refused: Next's Source, or what
	// feeds it. If nil, such an answer is returned as it is.
	Refresher Refresher
}

// refreshCodes are the error codes that mean AWS does not take the
// credentials themselves — expired, or unknown to it — with the statuses
// they come with (400 or 403). Only these force a refresh: codes about
// the request (RequestExpired, IncompleteSignature,
// MissingAuthenticationToken) would not be cured by one.
var refreshCodes = []string{"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId"}

// refreshes tells whether an answer means the credentials are refused.
func refreshes(status int, e *classify.APIError) bool {
	return (status == http.StatusBadRequest || status == http.StatusForbidden) && slices.Contains(refreshCodes, e.Code)
}

// RoundTrip implements http.RoundTripper. A body without GetBody is read
// into memory first, so that it can be sent twice; one whose caller set
// X-Amz-Content-Sha256 streams, and is not retried.
func (rt *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	req, err := replayable(req)
	if err != nil {
		return nil, err
	}
	resp, apiErr, err := rt.Next.roundTrip(req)
	if err != nil || apiErr == nil || req.GetBody == nil {
		return resp, err
	}
	host := scope.Parse(sigv4.CanonicalHost(req))
	if !host.AWSOperated() {
		return resp, nil
	}
	switch {
	case refreshes(resp.StatusCode, apiErr):
		// Credentials are unknown to another partition's endpoints: a
		// refresh would not help, and the refusal is anyone's to provoke.
		if rt.Refresher == nil || host.Partition() != rt.Next.partition() {
			return resp, nil
		}
		rejected := signedKeyID(resp.Request)
		creds, err := rt.Refresher.ForceRefresh(req.Context(), rejected)
		if err != nil || creds.AccessKeyID == rejected {
			return resp, nil // the caller sees AWS's own answer
		}
		rt.Next.Stats.Retried("expired_token")
	case apiErr.Class() == classify.ClockSkew || apiErr.Class() == classify.SignatureMismatch:
		if !rt.Next.learnClock(resp) {
			return resp, nil
		}
		rt.Next.Stats.Retried("clock_skew")
	default:
		return resp, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return resp, nil
	}
	discard(resp)
	again := *req
	again.Body = body
	return rt.Next.RoundTrip(&again)
}

// signedKeyID is the access key id a signed request's Authorization names.
func signedKeyID(r *http.Request) string {
	if r == nil {
		return ""
	}
	_, rest, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}
