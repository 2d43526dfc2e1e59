package signing

import (
	"context"
	"net/http"
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
// signature, then sends the request once more: ExpiredToken and its kin
// (the credentials are refreshed, when Next's Source is a Refresher) and
// clock skew (AWS's clock is learned into Next's Clock, when it has one).
// Only answers of AWS-operated endpoints are believed: a customer's API,
// function or domain could otherwise set the clock every signature uses,
// or drive refreshes. One answer costs at most one retry of one request.
type Retry struct {
	Next *Transport
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
	if err != nil || apiErr == nil || req.GetBody == nil || !scope.AWSOperated(sigv4.CanonicalHost(req)) {
		return resp, err
	}
	switch apiErr.Class() {
	case classify.Expired, classify.InvalidToken:
		src, ok := rt.Next.Source.(Refresher)
		if !ok {
			return resp, nil
		}
		if _, err := src.ForceRefresh(req.Context(), signedKeyID(resp.Request)); err != nil {
			return resp, nil // the caller sees AWS's own answer
		}
		rt.Next.Stats.Retried("expired_token")
	case classify.ClockSkew, classify.SignatureMismatch:
		if rt.Next.Clock == nil || !rt.Next.Clock.learn(resp, rt.Next.Stats) {
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
