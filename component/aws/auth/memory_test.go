//go:build !race

// The race detector's own bookkeeping is not the agent's: this test runs
// without -race (CI runs it so, beside the race suite).

package auth

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Requests of 64 KiB through the gateway and through the handler's
// transport, from four clients at once, N and then N more: what the heap
// grew by over the second N must not scale with N — at most 2 MiB for
// 20,000 requests, about 100 bytes a request, so that a leak of a few
// hundred bytes per request fails (the earlier bound, 16 MiB after 40,000,
// let 415 bytes a request pass). Afterwards no goroutine is left over.
func TestMemoryStaysFlatUnderLoad(t *testing.T) {
	const perWay, clients, size = 10000, 4, 64 << 10
	f := newGatewayFixture(t, nil)
	f.Answer = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range f.Seen {
		}
	}()
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", f.c.Handler())
	gw := httptest.NewServer(mux)
	handler, err := f.c.handler.Extension.(*extension).RoundTripper(nil)
	if err != nil {
		t.Fatal(err)
	}
	const target = "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	body := bytes.Repeat([]byte("x"), size)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	send := func(way string) error {
		var resp *http.Response
		var err error
		if way == "gateway" {
			resp, err = client.Post(gw.URL+prefix+"/"+target, "application/x-protobuf", bytes.NewReader(body))
		} else {
			req, _ := http.NewRequest("POST", "https://"+target, bytes.NewReader(body))
			resp, err = handler.RoundTrip(req)
		}
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("%s: status %d", way, resp.StatusCode)
		}
		return nil
	}
	load := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n/clients; i++ {
					for _, way := range []string{"gateway", "handler"} {
						if err := send(way); err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}

	load(200) // connections, pools and caches warm
	goroutines, heap := settle()
	start := time.Now()
	load(perWay)
	_, afterN := settle()
	load(perWay)
	t.Logf("2 x %d requests of %d KiB each way in %s", perWay, size>>10, time.Since(start).Round(time.Millisecond))
	afterGoroutines, after2N := settle()
	grewN, grew2N := int64(afterN)-int64(heap), int64(after2N)-int64(afterN)
	t.Logf("heap in use %d KiB before, %d KiB after N, %d KiB after 2N (%+d bytes a request over the second N); goroutines %d before, %d after",
		heap>>10, afterN>>10, after2N>>10, grew2N/(2*perWay), goroutines, afterGoroutines)
	if grew2N > 2<<20 {
		t.Errorf("the heap grew by %d KiB over the second %d requests each way (%d bytes a request): a leak", grew2N>>10, perWay, grew2N/(2*perWay))
	}
	if grewN > 16<<20 {
		t.Errorf("the heap grew by %d MiB over the first %d requests each way", grewN>>20, perWay)
	}

	// Every goroutine the load started ends with its connections.
	gw.Close()
	client.CloseIdleConnections()
	close(f.Seen)
	<-drained
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d, baseline %d\n%s", runtime.NumGoroutine(), goroutines, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle collects garbage until the heap stops shrinking and returns the
// goroutine count and the heap in use.
func settle() (int, uint64) {
	var m runtime.MemStats
	var last uint64
	for i := 0; i < 5; i++ {
		runtime.GC()
		runtime.ReadMemStats(&m)
		if last != 0 && m.HeapInuse >= last {
			break
		}
		last = m.HeapInuse
	}
	return runtime.NumGoroutine(), m.HeapInuse
}
