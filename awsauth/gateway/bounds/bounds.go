// Package bounds holds what clients may hold of the agent through the
// signing gateway — request slots, a memory budget for headers and
// bodies, body deadlines, the upstream connection pool — and the
// response-header timeout of the upstream, so that slow or many clients
// cannot keep an honest one from being served (docs/gateway.md: "Bounds").
package bounds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// Bounds are the bounds of one gateway configuration.
type Bounds struct {
	maxBody int64
	// budget holds the bytes of the bodies in flight: at most
	// BudgetBodies times max_body_size. The signer reads a body without
	// GetBody into memory once, so this bounds the gateway's memory;
	// headers holds their headers' bytes, headerAllowance a slot.
	budget, headers *semaphore.Weighted
	// slots bounds the requests in flight, bodies or not: each holds a
	// goroutine, its headers and an upstream connection; perHost, under
	// mu, those to each upstream host.
	slots   chan struct{}
	perHost map[string]int
	// pool is the base transport's pool, emptied when too many upstream
	// hosts have idle connections in it.
	pool  idleCloser
	mu    sync.Mutex
	hosts map[string]struct{} // upstream hosts since the pool was last emptied
	// grace is the time a body may take besides its length at MinBodyRate.
	grace time.Duration
}

type idleCloser interface{ CloseIdleConnections() }

// The bounds.
const (
	// BudgetBodies is how many bodies of max_body_size the gateway holds at once.
	BudgetBodies = 4
	// MaxInFlight is how many requests the gateway serves at once.
	MaxInFlight = 64
	// MaxInFlightPerHost is how many of them may go to one upstream host:
	// a client holding requests to a host of its choosing (an execute-api
	// that trickles its answers) leaves the writers of other hosts their
	// slots, unless it holds four such hosts.
	MaxInFlightPerHost = MaxInFlight / 4
	// headerAllowance is the budget's room for each request's headers:
	// remote_write's and loki.write's are well under 2 KiB; a request
	// with more takes from the others'.
	headerAllowance = 16 << 10
	// maxPooledHosts is how many upstream hosts may keep idle connections.
	maxPooledHosts = 32
	// MinBodyRate is the slowest a body may arrive, after the grace.
	MinBodyRate = 1 << 20 // bytes a second
)

// defaultBodyGrace is the time a body may take besides its length at
// MinBodyRate, unless New is given another.
const defaultBodyGrace = 10 * time.Second

// New returns the bounds for bodies of at most maxBody bytes, each
// allowed grace (0: 10 s) besides its length at MinBodyRate; base is the
// transport whose pool is bounded.
func New(maxBody int64, grace time.Duration, base http.RoundTripper) *Bounds {
	b := &Bounds{
		maxBody: maxBody,
		budget:  semaphore.NewWeighted(BudgetBodies * maxBody),
		headers: semaphore.NewWeighted(MaxInFlight * headerAllowance),
		slots:   make(chan struct{}, MaxInFlight),
		perHost: map[string]int{},
		hosts:   map[string]struct{}{},
		grace:   grace,
	}
	if b.grace <= 0 {
		b.grace = defaultBodyGrace
	}
	b.pool, _ = base.(idleCloser)
	return b
}

// Grace is the time a body may take besides its length at MinBodyRate.
func (u *Bounds) Grace() time.Duration { return u.grace }

// headerBytes is what r's request line and headers take.
func headerBytes(r *http.Request) int64 {
	n := int64(len(r.RequestURI) + len(r.Host))
	for k, vs := range r.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	return n
}

// bodyCost is what r's body takes of the budget: its length, or
// max_body_size when unknown.
func (u *Bounds) bodyCost(r *http.Request) int64 {
	if r.ContentLength < 0 {
		return u.maxBody
	}
	return r.ContentLength
}

// Reserve takes a slot, one of host's, r's headers and r's body from the
// budgets, and returns what gives them back; false when any is spent (the
// client is to retry: remote_write and loki.write do).
func (u *Bounds) Reserve(r *http.Request, host string) (release func(), ok bool) {
	head, body := headerBytes(r), u.bodyCost(r)
	// taken counts the steps below that succeeded; undo gives them back
	// in reverse order, on a refusal and as release.
	taken := 0
	undo := func() {
		switch taken {
		case 4:
			u.budget.Release(body)
			fallthrough
		case 3:
			u.headers.Release(head)
			fallthrough
		case 2:
			<-u.slots
			fallthrough
		case 1:
			u.releaseHost(host)
		}
	}
	if !u.takeHost(host) {
		return nil, false
	}
	taken++
	select {
	case u.slots <- struct{}{}:
		taken++
	default:
		undo()
		return nil, false
	}
	if !u.headers.TryAcquire(head) {
		undo()
		return nil, false
	}
	taken++
	if !u.budget.TryAcquire(body) {
		undo()
		return nil, false
	}
	taken++
	return undo, true
}

func (u *Bounds) takeHost(host string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.perHost[host] >= MaxInFlightPerHost {
		return false
	}
	u.perHost[host]++
	return true
}

// releaseHost gives host's slot back; the map holds only hosts with
// requests in flight, at most MaxInFlight.
func (u *Bounds) releaseHost(host string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.perHost[host]--; u.perHost[host] <= 0 {
		delete(u.perHost, host)
	}
}

// bodyDeadline is when a body of length n (max_body_size when unknown)
// must have arrived.
func (u *Bounds) bodyDeadline(n int64) time.Time {
	if n < 0 {
		n = u.maxBody
	}
	return time.Now().Add(u.grace + time.Duration(n)*time.Second/MinBodyRate)
}

// Pooled notes that host will be connected to. Past maxPooledHosts hosts
// the idle connections are closed: each holds goroutines and buffers, and
// any local client can name new hosts (every API Gateway API is one).
func (u *Bounds) Pooled(host string) {
	if u.pool == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.hosts[host]; ok {
		return
	}
	if len(u.hosts) >= maxPooledHosts {
		u.pool.CloseIdleConnections()
		clear(u.hosts)
	}
	u.hosts[host] = struct{}{}
}

// ReadBody bounds r's body in size and in time (the deadline is lifted
// once it has arrived, so that the wait for the upstream is not cut). A
// body of unknown length (chunked) is read here, in chunks, so that it
// costs its size and not the doubling of a growing buffer, and handed on
// replayable with its length.
func (u *Bounds) ReadBody(w http.ResponseWriter, r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(u.bodyDeadline(r.ContentLength)) // a recorder in tests cannot
	r.Body = &deadlineBody{ReadCloser: http.MaxBytesReader(w, r.Body, u.maxBody), rc: rc}
	if r.ContentLength > 0 {
		return nil // read once by the signer, into one allocation of its size
	}
	var chunks [][]byte
	var n int64
	for {
		chunk := make([]byte, min(64<<10, u.maxBody+1))
		k, err := io.ReadFull(r.Body, chunk)
		if k > 0 {
			chunks, n = append(chunks, chunk[:k]), n+int64(k)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	r.Body.Close()
	r.GetBody = func() (io.ReadCloser, error) {
		readers := make([]io.Reader, len(chunks))
		for i, c := range chunks {
			readers[i] = bytes.NewReader(c)
		}
		return io.NopCloser(io.MultiReader(readers...)), nil
	}
	r.Body, _ = r.GetBody()
	r.ContentLength, r.TransferEncoding = n, nil
	return nil
}

// deadlineBody lifts the read deadline once the body has been read.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// ErrHeaderTimeout is the error of a request whose upstream did not answer
// in time.
var ErrHeaderTimeout = errors.New("no response headers from upstream within gateway response_header_timeout")

// ErrAnswerTimeout is the error of an upstream answer whose body did not
// arrive within AnswerBodyTimeout of its headers.
var ErrAnswerTimeout = errors.New("the upstream's answer did not arrive within the gateway's answer deadline")

// AnswerBodyTimeout bounds how long an upstream's answer body may take
// once its headers have come, and how long a client may take to read the
// answer. Telemetry writes are answered in a few bytes; an upstream of the
// client's choosing (any execute-api host) that trickles its answer, or a
// client that never reads a large one, would otherwise hold a slot for as
// long as it likes.
const AnswerBodyTimeout = 10 * time.Second

// DefaultResponseHeaderTimeout is the wait for an upstream's answer
// headers when none is given.
const DefaultResponseHeaderTimeout = time.Minute

// HeaderTimeout cancels a request of next's whose response headers have
// not arrived within timeout, or whose body has not arrived within
// AnswerBodyTimeout after them. If timeout is zero or negative,
// DefaultResponseHeaderTimeout.
func HeaderTimeout(next http.RoundTripper, timeout time.Duration) http.RoundTripper {
	if timeout <= 0 {
		timeout = DefaultResponseHeaderTimeout
	}
	return &headerTimeout{next: next, timeout: timeout}
}

type headerTimeout struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (h *headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(h.timeout, func() { cancel(ErrHeaderTimeout) })
	resp, err := h.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() && err == nil {
		// The timer fired as the headers came: the body is cut off.
		resp.Body.Close()
		err = context.Cause(ctx)
	}
	if err != nil {
		if errors.Is(context.Cause(ctx), ErrHeaderTimeout) {
			err = fmt.Errorf("%s: %w", req.URL.Host, ErrHeaderTimeout)
		}
		cancel(nil)
		return nil, err
	}
	body := &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	body.timer = time.AfterFunc(AnswerBodyTimeout, func() { cancel(ErrAnswerTimeout) })
	resp.Body = body
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
	timer  *time.Timer
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.timer.Stop()
	b.cancel(nil)
	return err
}
