package fakeaws

import (
	"io"
	"net/http"
	"sync"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
)

// Endpoint is a fake AWS service endpoint: it verifies every request's
// signature and passes the accepted ones, with their bodies, to Next. It
// keeps counts and the bodies of the last RecentBodies accepted requests,
// never every body: a demo left running under load stays flat.
type Endpoint struct {
	// Verifier checks signatures; nil accepts every request (a sink that
	// only counts).
	Verifier *sigv4verify.Verifier
	// Next handles accepted requests; nil answers 200 with no body.
	Next func(w http.ResponseWriter, r *http.Request, body []byte, caller sigv4verify.Caller)

	mu       sync.Mutex
	accepted int
	rejected map[string]int
	signers  map[Signer]int
	recent   [RecentBodies][]byte // a ring: the last accepted bodies
	shapes   map[Shape]bool       // what accepted requests were, up to maxShapes
}

// A Shape is what an accepted request was, as IAM sees it: its method,
// host and path, and the headers that name resources.
type Shape struct {
	Method, Host, Path  string
	LogGroup, LogStream string // x-aws-log-group, x-aws-log-stream
}

const maxShapes = 64

// RecentBodies is how many of the last accepted bodies an Endpoint keeps.
const RecentBodies = 64

func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var caller sigv4verify.Caller
	var verr *sigv4verify.Error
	if e.Verifier != nil {
		caller, verr = e.Verifier.Verify(r, body)
	}
	e.mu.Lock()
	if verr != nil {
		if e.rejected == nil {
			e.rejected = map[string]int{}
		}
		e.rejected[verr.Code]++
	} else {
		e.recent[e.accepted%RecentBodies] = body
		e.accepted++
		if e.signers == nil {
			e.signers = map[Signer]int{}
		}
		e.signers[Signer{ARN: caller.Key.ARN, Session: caller.Key.SessionToken != "", Region: caller.Region, Service: caller.Service}]++
		if e.shapes == nil {
			e.shapes = map[Shape]bool{}
		}
		if len(e.shapes) < maxShapes {
			e.shapes[Shape{r.Method, r.Host, r.URL.EscapedPath(), r.Header.Get("X-Aws-Log-Group"), r.Header.Get("X-Aws-Log-Stream")}] = true
		}
	}
	e.mu.Unlock()
	if verr != nil {
		verr.Write(w)
		return
	}
	if e.Next != nil {
		e.Next(w, r, body, caller)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Counts returns how many requests were accepted and, by error code, rejected.
func (e *Endpoint) Counts() (accepted int, rejected map[string]int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := make(map[string]int, len(e.rejected))
	for k, v := range e.rejected {
		r[k] = v
	}
	return e.accepted, r
}

// Signer is who signed an accepted request, and for where.
type Signer struct {
	ARN     string
	Session bool // temporary credentials, with a session token
	Region  string
	Service string
}

// Signers counts the accepted requests by who signed them and for where.
func (e *Endpoint) Signers() map[Signer]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[Signer]int, len(e.signers))
	for k, v := range e.signers {
		out[k] = v
	}
	return out
}

// Bodies returns the bodies of the last RecentBodies accepted requests,
// oldest first.
func (e *Endpoint) Bodies() [][]byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out [][]byte
	for i := max(0, e.accepted-RecentBodies); i < e.accepted; i++ {
		out = append(out, e.recent[i%RecentBodies])
	}
	return out
}

// Shapes returns what the accepted requests were (up to 64 distinct).
func (e *Endpoint) Shapes() []Shape {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Shape, 0, len(e.shapes))
	for s := range e.shapes {
		out = append(out, s)
	}
	return out
}
