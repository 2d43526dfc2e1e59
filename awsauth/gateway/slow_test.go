package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
)

// Clients that announce a full body, send one byte and then nothing hold
// the whole body budget only until their body's deadline: an honest client
// retrying on 503, as remote_write does, is served once it passes, and the
// slow ones are answered 408 body_timeout (#23: four such connections
// stopped the gateway for as long as they stayed).
func TestSlowBodiesCannotStopTheGateway(t *testing.T) {
	const grace = time.Second
	f := newFixture(t, func(s *setup) { s.policy.MaxBodySize, s.policy.BodyGrace = 1024, grace })
	srv := httptest.NewServer(f.g)
	defer srv.Close()
	const aps = "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"

	var answers []*bufio.Reader
	for i := 0; i < 8; i++ {
		conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(8 * time.Second))
		fmt.Fprintf(conn, "POST %s%s HTTP/1.1\r\nHost: %s\r\nContent-Length: 1024\r\n\r\nx", prefix, aps, srv.Listener.Addr())
		answers = append(answers, bufio.NewReader(conn))
	}
	time.Sleep(200 * time.Millisecond) // they are in, holding the budget

	start := time.Now()
	var served bool
	for time.Since(start) < 10*time.Second {
		req, _ := http.NewRequest("POST", srv.URL+prefix+aps, strings.NewReader("samples"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			served = true
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("honest client: %d", resp.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !served || time.Since(start) > grace+3*time.Second {
		t.Fatalf("the honest client was served: %v, after %s (grace %s)", served, time.Since(start).Round(time.Millisecond), grace)
	}
	// One 408 is enough. (A slow client answered 503 sees its answer only
	// when net/http gave up waiting for the rest of its body: at the
	// connection's deadline.)
	var seen []string
	for _, r := range answers {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			seen = append(seen, err.Error())
			continue
		}
		seen = append(seen, resp.Status)
		if resp.StatusCode == http.StatusRequestTimeout {
			return
		}
	}
	t.Fatalf("no slow client was answered 408: %q", seen)
}

// Requests count against the gateway's bounds with or without a body:
// their headers take from the budget, and each takes a slot (#23: 64
// bodiless requests with ~900 KB of headers, held by an upstream that
// never answered, kept 68 MB live against a 4 KiB budget).
func TestRequestsWithoutBodiesAreBounded(t *testing.T) {
	const aps = "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	hold := make(chan struct{})
	var held atomic.Int64
	holding := func(s *setup) { s.policy.MaxBodySize = 1024 }
	f := newFixture(t, holding)
	f.Seen = make(chan *http.Request, 2*bounds.MaxInFlight)
	f.Answer = func(w http.ResponseWriter, r *http.Request) {
		held.Add(1)
		<-hold
	}
	defer close(hold)
	wait := func(n int64) {
		for deadline := time.Now().Add(10 * time.Second); held.Load() < n && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}

	// Headers of 300 KiB: three fit the headers' budget (16 KiB a slot,
	// 1 MiB in all), the fourth does not, though nothing has a body.
	big := http.Header{"X-Padding": {strings.Repeat("p", 300<<10)}}
	for i := 1; i <= 3; i++ {
		go f.do("POST", aps, "127.0.0.1:5000", http.NoBody, big)
		wait(int64(i))
	}
	if held.Load() != 3 {
		t.Fatalf("%d requests of 300 KiB headers reached the upstream, want 3", held.Load())
	}
	if w := f.do("POST", aps, "127.0.0.1:5000", http.NoBody, big); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "busy") {
		t.Fatalf("a fourth: %d %q, want 503 busy", w.Code, w.Body.String())
	}

	// Slots: with every slot held, a small bodiless request is busy too.
	// (One host holds at most a quarter of them: the three above and
	// these, over four hosts of their own.)
	targets := []string{"/a4.execute-api.us-east-1.amazonaws.com/prod/x", "/a1.execute-api.us-east-1.amazonaws.com/prod/x", "/a2.execute-api.us-east-1.amazonaws.com/prod/x", "/a3.execute-api.us-east-1.amazonaws.com/prod/x"}
	for i := 3; i < bounds.MaxInFlight; i++ {
		go f.do("POST", targets[i%4], "127.0.0.1:5000", http.NoBody, nil)
	}
	wait(bounds.MaxInFlight)
	if held.Load() != bounds.MaxInFlight {
		t.Fatalf("%d of %d requests reached the upstream", held.Load(), bounds.MaxInFlight)
	}
	if w := f.do("POST", aps, "127.0.0.1:5000", http.NoBody, nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("request %d with %d in flight: %d %q, want 503 busy", bounds.MaxInFlight+1, bounds.MaxInFlight, w.Code, w.Body.String())
	}
}

// A chunked body is charged max_body_size, read in chunks, and forwarded
// with its length signed; one over the limit is 413.
func TestChunkedBodiesAreBoundedAndForwarded(t *testing.T) {
	f := newFixture(t, func(s *setup) { s.policy.MaxBodySize = 200 << 10 })
	body := strings.Repeat("0123456789abcdef", 10<<10) // 160 KiB, three chunks
	r := httptest.NewRequest("POST", prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", io.MultiReader(strings.NewReader(body)))
	r.ContentLength, r.RemoteAddr, r.Host = -1, "127.0.0.1:5000", "127.0.0.1:12345"
	w := httptest.NewRecorder()
	f.g.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.String() != body {
		t.Fatalf("chunked body: %d, %d bytes echoed", w.Code, w.Body.Len())
	}
	up := <-f.Seen
	if up.ContentLength != int64(len(body)) || !strings.Contains(up.Header.Get("Authorization"), "content-length") {
		t.Fatalf("forwarded with length %d, Authorization %q", up.ContentLength, up.Header.Get("Authorization"))
	}
	r = httptest.NewRequest("POST", prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", io.MultiReader(strings.NewReader(body+body)))
	r.ContentLength, r.RemoteAddr, r.Host = -1, "127.0.0.1:5000", "127.0.0.1:12345"
	w = httptest.NewRecorder()
	f.g.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("320 KiB chunked against 200 KiB: %d %q", w.Code, w.Body.String())
	}
}

// An upstream of the client's choosing (any execute-api host) that sends
// its answer's headers and then trickles the body, or a client that never
// reads the answer, holds its slot only until the answer's deadline
// (bounds.AnswerBodyTimeout after the headers): then the request ends and
// its slot is free (#31: such answers held every slot indefinitely).
func TestTricklingAnswersEndAtTheirDeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("waits bounds.AnswerBodyTimeout (10 s) of real time; make test runs it")
	}
	f := newFixture(t, nil)
	f.Answer = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 120; i++ {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	srv := httptest.NewServer(f.g)
	defer srv.Close()
	start := time.Now()
	resp, err := http.Post(srv.URL+prefix+"/a1b2c3.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push", "application/x-protobuf", strings.NewReader("lines"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if took < bounds.AnswerBodyTimeout-time.Second || took > bounds.AnswerBodyTimeout+5*time.Second {
		t.Fatalf("the trickling answer ended after %s (%d bytes); its deadline is %s after the headers", took, n, bounds.AnswerBodyTimeout)
	}
	if n >= 60 {
		t.Fatalf("%d bytes relayed: the answer was not cut", n)
	}
}

// An honest large body that arrives faster than bounds.MinBodyRate is
// forwarded whole, though it takes longer than the grace: the deadline is
// the grace plus its length at that rate (#34: a deadline of the grace
// alone cut such bodies with 408).
func TestLargeHonestBodiesPassTheirDeadline(t *testing.T) {
	const grace = time.Second
	f := newFixture(t, func(s *setup) { s.policy.BodyGrace = grace })
	srv := httptest.NewServer(f.g)
	defer srv.Close()
	const size = 3 << 20 // 3 MiB at 2 MiB/s: 1.5 s, beyond the grace, within grace + 3 s
	pr, pw := io.Pipe()
	go func() {
		chunk := strings.Repeat("s", 64<<10)
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := pw.Write([]byte(chunk)); err != nil {
				return
			}
			time.Sleep(time.Second * time.Duration(len(chunk)) / (2 << 20))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", pr)
	req.ContentLength = size
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusOK || n != size || took < grace {
		t.Fatalf("a %d-byte body sent at 2 MiB/s: %d, %d bytes echoed, after %s (grace %s)", size, resp.StatusCode, n, took, grace)
	}
}
