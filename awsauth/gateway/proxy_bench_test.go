package gateway

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGateway sends remote-write-sized bodies to the same fake AMP two
// ways in one run: straight through the signing transport, and through the
// gateway over a loopback HTTP hop. The difference is what the gateway adds;
// "hop" is the loopback hop alone (a server that reads and drops the body),
// the part of it no gateway can avoid. One client at a time, then four at
// once (as remote_write's shards send), where throughput is what the CPU
// allows.
func BenchmarkGateway(b *testing.B) {
	f := newFixture(b, nil)
	f.Answer = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	go func() {
		for range f.Seen {
		}
	}()
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", f.g)
	gw := httptest.NewServer(mux)
	defer gw.Close()
	const target = "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hop.Close()
	direct := f.auth.Transport(f.base, "")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	send := func(way string, body []byte) time.Duration {
		start := time.Now()
		var resp *http.Response
		var err error
		switch way {
		case "direct":
			req, _ := http.NewRequest("POST", "https://"+target, bytes.NewReader(body))
			resp, err = direct.RoundTrip(req)
		case "gateway":
			resp, err = client.Post(gw.URL+prefix+"/"+target, "application/x-protobuf", bytes.NewReader(body))
		case "hop":
			resp, err = client.Post(hop.URL+"/"+target, "application/x-protobuf", bytes.NewReader(body))
		}
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(start)
	}

	for _, clients := range []int{1, 4} {
		for _, size := range []int{64 << 10, 1 << 20} {
			body := bytes.Repeat([]byte("x"), size)
			for _, way := range []string{"direct", "gateway", "hop"} {
				b.Run(fmt.Sprintf("clients=%d/%s/%dKiB", clients, way, size>>10), func(b *testing.B) {
					b.SetBytes(int64(size))
					b.ReportAllocs()
					lat := make([]time.Duration, b.N)
					var next atomic.Int64
					var wg sync.WaitGroup
					b.ResetTimer()
					for c := 0; c < clients; c++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
								lat[i] = send(way, body)
							}
						}()
					}
					wg.Wait()
					b.StopTimer()
					sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				})
			}
		}
	}
}
