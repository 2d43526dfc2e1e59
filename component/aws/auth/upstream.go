package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
	"golang.org/x/sync/semaphore"
)

// upstream is the gateway's side of one configuration: the signing
// transport bounded by a response-header timeout, and the memory budget
// for request bodies.
type upstream struct {
	transport http.RoundTripper
	maxBody   int64
	// budget holds the bytes of the bodies in flight: at most
	// budgetBodies times max_body_size. The signer reads a body without
	// GetBody into memory once, so this bounds the gateway's memory.
	budget *semaphore.Weighted
}

// budgetBodies is how many bodies of max_body_size the gateway holds at once.
const budgetBodies = 4

func newUpstream(gw awsriver.Gateway, signing http.RoundTripper) *upstream {
	maxBody := int64(gw.MaxBodySize)
	return &upstream{
		transport: &headerTimeout{next: signing, timeout: gw.ResponseHeaderTimeout},
		maxBody:   maxBody,
		budget:    semaphore.NewWeighted(budgetBodies * maxBody),
	}
}

// cost is what a body of contentLength (-1: unknown) takes of the budget.
func (u *upstream) cost(contentLength int64) int64 {
	if contentLength < 0 {
		return u.maxBody
	}
	return contentLength
}

// reserve takes a body's cost from the budget; when it is spent the
// client is told to retry (remote_write and loki.write do).
func (u *upstream) reserve(contentLength int64) *refusal {
	if u.budget.TryAcquire(u.cost(contentLength)) {
		return nil
	}
	return &refusal{http.StatusServiceUnavailable, "busy", fmt.Sprintf(
		"busy: %d bodies of max_body_size %d are in flight; retry", budgetBodies, u.maxBody)}
}

func (u *upstream) release(contentLength int64) { u.budget.Release(u.cost(contentLength)) }

var errHeaderTimeout = errors.New("no response headers from upstream within gateway response_header_timeout")

// headerTimeout cancels a request whose response headers have not arrived
// within timeout; once they have, the body may take as long as it takes
// (the client's own timeout bounds it).
type headerTimeout struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (h *headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(h.timeout, func() { cancel(errHeaderTimeout) })
	resp, err := h.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() && err == nil {
		// The timer fired as the headers came: the body is cut off.
		resp.Body.Close()
		err = context.Cause(ctx)
	}
	if err != nil {
		if errors.Is(context.Cause(ctx), errHeaderTimeout) {
			err = fmt.Errorf("%s: %w", req.URL.Host, errHeaderTimeout)
		}
		cancel(nil)
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}
