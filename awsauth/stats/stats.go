package stats

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// Stats counts what a signing transport signs and what AWS answers. The zero value
// is ready; a nil *Stats counts nothing. Hooks, when set, see each event
// (for metrics); they must be cheap. Services and error codes are counted
// under their labels (ServiceLabel, CodeLabel), so the counters stay
// bounded whatever hosts are asked and whatever upstreams answer.
type Stats struct {
	OnSigned   func(service string, took time.Duration)
	OnResponse func(service string, status int, code string)

	mu          sync.Mutex
	signedBy    map[string]uint64
	responses   map[ResponseKey]uint64
	retries     map[string]uint64
	netErrors   uint64
	lastError   *RequestError
	lastSuccess time.Time
	// failingSince is the first failure after the last success: zero
	// while requests succeed.
	failingSince time.Time
	skewNow      time.Duration
	skewAt       time.Time
}

// ResponseKey groups responses by service, HTTP status and AWS error code.
type ResponseKey struct {
	Service string
	Status  int
	Code    string
}

// maxResponseKeys bounds the responses map, overflowKey included, under
// which new keys count once it is full. The labels alone bound it too, but loosely (every status).
const maxResponseKeys = 256

var overflowKey = ResponseKey{Service: classify.OtherLabel, Code: classify.OtherLabel}

// maxMessage bounds the text kept of an answer's error message.
const maxMessage = 1024

// boundedText is s cut to maxMessage bytes, at a rune boundary.
func boundedText(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// boundedCode keeps an error code of AWS's shape, known or not, for
// messages; anything else is "other".
func boundedCode(code string) string {
	if code == "" || classify.CodeShaped(code) {
		return code
	}
	return classify.OtherLabel
}

// RequestError is the latest AWS error answer (or network failure).
type RequestError struct {
	Service string
	Host    string
	At      time.Time
	Status  int
	Code    string
	Class   classify.Class
	Message string
}

// String renders e on one line: when, host, code and message.
func (e *RequestError) String() string {
	s := e.Host
	if !e.At.IsZero() {
		s = e.At.UTC().Format(time.RFC3339) + " " + s
	}
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Snapshot is a copy of the counters.
type Snapshot struct {
	Signed      map[string]uint64
	Responses   map[ResponseKey]uint64
	Retries     map[string]uint64
	NetErrors   uint64
	LastError   *RequestError
	LastSuccess time.Time
	// FailingSince is when requests began to fail with none succeeding
	// since; zero while they succeed.
	FailingSince time.Time
	ClockSkew    time.Duration
	ClockSkewAt  time.Time
}

func (s *Stats) Signed(service string, took time.Duration) {
	if s == nil {
		return
	}
	service = classify.ServiceLabel(service)
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

func (s *Stats) Response(service, host string, status int, e *classify.APIError) {
	if s == nil {
		return
	}
	service = classify.ServiceLabel(service)
	key := ResponseKey{Service: service, Status: status}
	if e != nil {
		key.Code = classify.CodeLabel(e.Code)
	}
	s.mu.Lock()
	if s.responses == nil {
		s.responses = map[ResponseKey]uint64{}
	}
	if _, ok := s.responses[key]; !ok && len(s.responses) >= maxResponseKeys-1 { // one left for overflowKey
		key = overflowKey
	}
	s.responses[key]++
	if status >= 400 {
		s.failing()
	}
	switch {
	case status < 400:
		s.lastSuccess, s.failingSince = time.Now(), time.Time{}
	case e != nil:
		code, class, msg := boundedCode(e.Code), e.Class(), boundedText(e.Message)
		if !scope.AWSOperated(host) {
			// A customer wrote this answer (API Gateway, a domain, a
			// function): its status and a code of the fixed set are kept,
			// not its text, which health would otherwise show as advice.
			code = classify.CodeLabel(e.Code)
			class, msg = classify.Code(code), ""
		}
		s.lastError = &RequestError{Service: service, Host: scope.StripPort(host), At: time.Now(), Status: status, Code: code, Class: class, Message: msg}
	}
	s.mu.Unlock()
	if s.OnResponse != nil {
		s.OnResponse(service, status, key.Code)
	}
}

// failed counts a request that got no answer; the last one is kept, with
// status 0, beside the last error answer.
func (s *Stats) Failed(service, host string, err error) {
	if s == nil || errors.Is(err, context.Canceled) {
		return
	}
	service = classify.ServiceLabel(service)
	s.mu.Lock()
	s.netErrors++
	s.failing()
	s.lastError = &RequestError{Service: service, Host: scope.StripPort(host), At: time.Now(), Class: classify.Other, Message: boundedText(err.Error())}
	s.mu.Unlock()
	if s.OnResponse != nil {
		s.OnResponse(service, 0, "")
	}
}

// failing notes a failed request; s.mu is held.
func (s *Stats) failing() {
	if s.failingSince.IsZero() {
		s.failingSince = time.Now()
	}
}

func (s *Stats) Retried(reason string) {
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

func (s *Stats) Skew(d time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.skewNow, s.skewAt = d, time.Now()
	s.mu.Unlock()
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() Snapshot {
	if s == nil {
		return Snapshot{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{
		Signed:       make(map[string]uint64, len(s.signedBy)),
		Responses:    make(map[ResponseKey]uint64, len(s.responses)),
		Retries:      make(map[string]uint64, len(s.retries)),
		NetErrors:    s.netErrors,
		LastSuccess:  s.lastSuccess,
		FailingSince: s.failingSince,
		ClockSkew:    s.skewNow,
		ClockSkewAt:  s.skewAt,
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
func (s Snapshot) SortedKeys() []ResponseKey {
	keys := make([]ResponseKey, 0, len(s.Responses))
	for k := range s.Responses {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}
