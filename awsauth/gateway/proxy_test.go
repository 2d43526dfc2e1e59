package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
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
