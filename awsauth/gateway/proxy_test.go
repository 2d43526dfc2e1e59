package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/signing"
)

// roundTripFunc is an upstream in-process: the signer's place.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A local client that keeps every request it can in flight to a host of
// its choosing — an execute-api that never answers, here — takes at most
// bounds.MaxInFlightPerHost slots: an honest remote_write to another host
// is served at once, not answered 503 until the attacker's requests time
// out and are taken again (#31 item 4: one such client held all 64).
func TestAHostOfTheClientsChoiceLeavesOthersTheirSlots(t *testing.T) {
	var held atomic.Int32
	upstream := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if strings.HasPrefix(r.URL.Host, "trickle.") {
			held.Add(1)
			defer held.Add(-1)
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	})
	g := New(defaultPolicy(), upstream, upstream, Hooks{})

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	busy := make(chan int, bounds.MaxInFlight)
	for i := 0; i < bounds.MaxInFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := gatewayRequest(t, "POST", "/trickle.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push", "127.0.0.1:12345").WithContext(ctx)
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			busy <- w.Code
		}()
	}
	// Those the gateway turned away answer at once; the rest are held.
	for refused := 0; refused+int(held.Load()) < bounds.MaxInFlight; {
		select {
		case code := <-busy:
			if code != http.StatusServiceUnavailable {
				t.Fatalf("an attacker's request answered %d before its upstream did", code)
			}
			refused++
		case <-time.After(10 * time.Millisecond):
		}
		if ctx.Err() != nil {
			t.Fatal("cancelled")
		}
	}
	if n := held.Load(); n != bounds.MaxInFlightPerHost {
		t.Fatalf("the attacker holds %d requests to its host; at most %d", n, bounds.MaxInFlightPerHost)
	}

	r := gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:12345")
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("an honest remote_write while the attacker holds its slots: %d %q", w.Code, w.Body.String())
	}
}

// A _bulk body through the real gateway and signer: index and create into
// the path's index are signed and forwarded whole; a delete, a scripted or
// _source update, a write into .kibana or another index than the path's is
// refused 403 operation_not_allowed naming the line and the action, and
// nothing reaches OpenSearch (#33 item 1: the body was not read). Bodies of
// known length and chunked ones alike.
func TestBulkBodiesAreReadBeforeTheyAreSigned(t *testing.T) {
	var forwarded []string
	upstream := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		if !strings.Contains(r.Header.Get("Authorization"), "/es/aws4_request") {
			t.Errorf("forwarded unsigned: %v", r.Header)
		}
		forwarded = append(forwarded, string(b))
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"errors":false}`)), Request: r}, nil
	})
	signer := &signing.Transport{Source: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
		Base: upstream, Scope: signing.Scope{Region: "us-east-1"}}
	g := New(defaultPolicy(), signer, upstream, Hooks{})
	const path = "/search-logs-abc123.us-east-1.es.amazonaws.com/app/_bulk"
	honest := `{"index":{}}` + "\n" + `{"msg":"a"}` + "\n" + `{"create":{"_index":"app"}}` + "\n" + `{"msg":"b"}` + "\n"
	for _, c := range []struct {
		body, refusal string
	}{
		{honest, ""},
		{honest + `{"delete":{"_id":"1"}}` + "\n", `line 5: action "delete"`},
		{`{"update":{"_id":"1","_source":true}}` + "\n" + `{"script":{"source":"ctx.op='delete'"}}` + "\n", `line 1: action "update"`},
		{`{"index":{"_index":".kibana"}}` + "\n" + `{}` + "\n", `".kibana", not the path's "app"`},
		{`{"index":{"_index":"other"}}` + "\n" + `{}` + "\n", `"other", not the path's "app"`},
	} {
		for _, chunked := range []bool{false, true} {
			forwarded = nil
			r := gatewayRequest(t, "POST", path, "127.0.0.1:12345")
			r.Body = io.NopCloser(strings.NewReader(c.body))
			r.ContentLength = int64(len(c.body))
			if chunked {
				r.Body, r.ContentLength = io.NopCloser(io.MultiReader(strings.NewReader(c.body))), -1
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			switch {
			case c.refusal == "" && (w.Code != 200 || len(forwarded) != 1 || forwarded[0] != c.body):
				t.Errorf("honest _bulk (chunked %v): %d %q, forwarded %q", chunked, w.Code, w.Body.String(), forwarded)
			case c.refusal != "" && (w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), c.refusal) || len(forwarded) != 0):
				t.Errorf("%q (chunked %v): %d %q, forwarded %q; want 403 saying %q", c.body, chunked, w.Code, w.Body.String(), forwarded, c.refusal)
			}
		}
	}
}

// A request for a host the agent's components do not write to is signed
// by Policy.Foreign (which moves neither health nor a refresh) and
// counted; the agent's own writes go through the signer (#33 item 4: any
// local client's 403 from a host of its choosing turned health
// unhealthy).
func TestForeignHostsAreSignedApart(t *testing.T) {
	answer := func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	var own, foreign, counted int
	p := defaultPolicy()
	p.Writes = func(host string) bool { return host == "aps-workspaces.us-east-1.amazonaws.com" }
	p.Foreign = roundTripFunc(func(r *http.Request) (*http.Response, error) { foreign++; return answer(r) })
	g := New(p, roundTripFunc(func(r *http.Request) (*http.Response, error) { own++; return answer(r) }), nil, Hooks{Foreign: func() { counted++ }})
	for _, path := range []string{
		"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
		"/attacker1.execute-api.us-east-1.amazonaws.com/prod/x",
		"/APS-WORKSPACES.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
	} {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, gatewayRequest(t, "POST", path, "127.0.0.1:12345"))
		if w.Code != 200 {
			t.Fatalf("%s: %d %q", path, w.Code, w.Body.String())
		}
	}
	if own != 2 || foreign != 1 || counted != 1 {
		t.Fatalf("own writes signed by the signer %d times (want 2), foreign by Foreign %d (want 1), counted %d", own, foreign, counted)
	}
}

// A Policy that says only where the gateway is mounted and the
// credentials' region forwards an honest remote_write: its zero fields
// take the gateway block's defaults (#34 item 4: a zero
// ResponseHeaderTimeout answered 504 to everything; zero methods,
// services and body size refused everything).
func TestAZeroPolicyHasTheDefaults(t *testing.T) {
	upstream := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n, _ := io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(strconv.FormatInt(n, 10))), Request: r}, nil
	})
	g := New(Policy{PathPrefix: prefix + "/", Region: "us-east-1"}, upstream, upstream, Hooks{})
	r := gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:12345")
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(strings.Repeat("s", 1<<20))), 1<<20
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.String() != "1048576" {
		t.Fatalf("a 1 MiB remote_write through a zero policy: %d %q", w.Code, w.Body.String())
	}
	if g.policy.MaxBodySize != DefaultMaxBodySize || g.policy.ResponseHeaderTimeout != bounds.DefaultResponseHeaderTimeout {
		t.Fatalf("defaults: max body %d, response header timeout %s", g.policy.MaxBodySize, g.policy.ResponseHeaderTimeout)
	}
	// An empty list is the user's: nothing.
	g = New(Policy{PathPrefix: prefix + "/", Region: "us-east-1", Services: []string{}}, upstream, upstream, Hooks{})
	w = httptest.NewRecorder()
	g.ServeHTTP(w, gatewayRequest(t, "POST", "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:12345"))
	if w.Code != http.StatusForbidden {
		t.Fatalf("services = []: %d %q", w.Code, w.Body.String())
	}
}
