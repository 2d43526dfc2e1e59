package awsauth

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Stats counts what a Transport signs and what AWS answers. The zero value
// is ready; a nil *Stats counts nothing. Hooks, when set, see each event
// (for metrics); they must be cheap.
type Stats struct {
	OnSigned   func(service string, took time.Duration)
	OnResponse func(service string, status int, e *APIError)

	mu          sync.Mutex
	signedBy    map[string]uint64
	responses   map[ResponseKey]uint64
	retries     map[string]uint64
	netErrors   uint64
	lastError   *RequestError
	lastSuccess time.Time
	skewNow     time.Duration
	skewAt      time.Time
}

// ResponseKey groups responses by service, HTTP status and AWS error code.
type ResponseKey struct {
	Service string
	Status  int
	Code    string
}

// RequestError is the latest AWS error answer (or network failure).
type RequestError struct {
	Service string
	Host    string
	At      time.Time
	Status  int
	Code    string
	Class   ErrorClass
	Message string
}

// StatsSnapshot is a copy of the counters.
type StatsSnapshot struct {
	Signed      map[string]uint64
	Responses   map[ResponseKey]uint64
	Retries     map[string]uint64
	NetErrors   uint64
	LastError   *RequestError
	LastSuccess time.Time
	ClockSkew   time.Duration
	ClockSkewAt time.Time
}

func (s *Stats) signed(service string, took time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.signedBy == nil {
		s.signedBy = map[string]uint64{}
	}
	s.signedBy[service]++
	s.mu.Unlock()
	if s.OnSigned != nil {
		s.OnSigned(service, took)
	}
}

func (s *Stats) response(service, host string, status int, e *APIError) {
	if s == nil {
		return
	}
	key := ResponseKey{Service: service, Status: status}
	if e != nil {
		key.Code = e.Code
	}
	s.mu.Lock()
	if s.responses == nil {
		s.responses = map[ResponseKey]uint64{}
	}
	s.responses[key]++
	switch {
	case status < 400:
		s.lastSuccess = time.Now()
	case e != nil:
		s.lastError = &RequestError{Service: service, Host: stripPort(host), At: time.Now(), Status: status, Code: e.Code, Class: e.Class(), Message: e.Message}
	}
	s.mu.Unlock()
	if s.OnResponse != nil {
		s.OnResponse(service, status, e)
	}
}

// failed counts a request that got no answer; the last one is kept, with
// status 0, beside the last error answer.
func (s *Stats) failed(service, host string, err error) {
	if s == nil || errors.Is(err, context.Canceled) {
		return
	}
	s.mu.Lock()
	s.netErrors++
	s.lastError = &RequestError{Service: service, Host: stripPort(host), At: time.Now(), Class: ClassOther, Message: err.Error()}
	s.mu.Unlock()
	if s.OnResponse != nil {
		s.OnResponse(service, 0, nil)
	}
}

func (s *Stats) retried(reason string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.retries == nil {
		s.retries = map[string]uint64{}
	}
	s.retries[reason]++
	s.mu.Unlock()
}

func (s *Stats) skew(d time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.skewNow, s.skewAt = d, time.Now()
	s.mu.Unlock()
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() StatsSnapshot {
	if s == nil {
		return StatsSnapshot{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := StatsSnapshot{
		Signed:      make(map[string]uint64, len(s.signedBy)),
		Responses:   make(map[ResponseKey]uint64, len(s.responses)),
		Retries:     make(map[string]uint64, len(s.retries)),
		NetErrors:   s.netErrors,
		LastSuccess: s.lastSuccess,
		ClockSkew:   s.skewNow,
		ClockSkewAt: s.skewAt,
	}
	for k, v := range s.signedBy {
		snap.Signed[k] = v
	}
	for k, v := range s.responses {
		snap.Responses[k] = v
	}
	for k, v := range s.retries {
		snap.Retries[k] = v
	}
	if s.lastError != nil {
		e := *s.lastError
		snap.LastError = &e
	}
	return snap
}

// String renders a key as "service 403 AccessDenied".
func (k ResponseKey) String() string {
	s := k.Service + " " + strconv.Itoa(k.Status)
	if k.Code != "" {
		s += " " + k.Code
	}
	return s
}

// SortedKeys lists the response keys in a stable order.
func (s StatsSnapshot) SortedKeys() []ResponseKey {
	keys := make([]ResponseKey, 0, len(s.Responses))
	for k := range s.Responses {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}
