package auth

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"
)

// BenchmarkGateway sends remote-write-sized bodies to the same fake AMP two
// ways in one run: straight through the signing transport, and through the
// gateway over a loopback HTTP hop. The difference is what the gateway adds.
func BenchmarkGateway(b *testing.B) {
	f := newGatewayFixture(b, nil)
	f.upstream = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	go func() {
		for range f.seen {
		}
	}()
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", f.c.Handler())
	gw := httptest.NewServer(mux)
	defer gw.Close()
	const target = "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
	inst := f.c.cur.Load()
	direct := inst.auth.Transport(inst.base)
	client := &http.Client{}

	for _, size := range []int{64 << 10, 1 << 20} {
		body := bytes.Repeat([]byte("x"), size)
		for _, way := range []string{"direct", "gateway"} {
			b.Run(fmt.Sprintf("%s/%dKiB", way, size>>10), func(b *testing.B) {
				b.SetBytes(int64(size))
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					start := time.Now()
					var resp *http.Response
					var err error
					if way == "direct" {
						req, _ := http.NewRequest("POST", "https://"+target, bytes.NewReader(body))
						resp, err = direct.RoundTrip(req)
					} else {
						resp, err = client.Post(gw.URL+prefix+"/"+target, "application/x-protobuf", bytes.NewReader(body))
					}
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusNoContent {
						b.Fatalf("status %d", resp.StatusCode)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
