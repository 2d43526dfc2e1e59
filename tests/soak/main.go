// Command soak loads a running aws-agent and samples its own metrics: a
// fixed rate of 64 KiB POSTs through the signing gateway, and every 10 s
// the process's RSS, Go heap in use, goroutines and open file descriptors
// from /metrics, one CSV row per sample. tests/soak.sh drives it; it is
// run by hand, not in CI.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	agent := flag.String("agent", "http://127.0.0.1:12345", "the agent's HTTP server")
	gateway := flag.String("gateway", "", "a gateway URL with its HOST/PATH to POST to (empty: no gateway load)")
	rate := flag.Int("rate", 100, "gateway requests per second")
	size := flag.Int("size", 64<<10, "body size of each gateway request")
	duration := flag.Duration("duration", 30*time.Minute, "how long to run")
	every := flag.Duration("every", 10*time.Second, "sampling interval")
	out := flag.String("csv", "soak.csv", "where the samples go")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()

	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	fmt.Fprintln(f, "seconds,rss_mib,heap_inuse_mib,goroutines,open_fds,gateway_requests,gateway_errors")

	var sent, failed atomic.Int64
	if *gateway != "" {
		go load(ctx, *gateway, *rate, *size, &sent, &failed)
	}
	start := time.Now()
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for {
		m, err := scrape(*agent + "/metrics")
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak: scraping:", err)
		} else {
			fmt.Fprintf(f, "%.0f,%.1f,%.1f,%.0f,%.0f,%d,%d\n", time.Since(start).Seconds(),
				m["process_resident_memory_bytes"]/(1<<20), m["go_memstats_heap_inuse_bytes"]/(1<<20),
				m["go_goroutines"], m["process_open_fds"], sent.Load(), failed.Load())
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(os.Stderr, "soak: %d gateway requests, %d failed\n", sent.Load(), failed.Load())
			return
		case <-tick.C:
		}
	}
}

// load POSTs rate requests a second to url until ctx ends, four at a time.
func load(ctx context.Context, url string, rate, size int, sent, failed *atomic.Int64) {
	body := bytes.Repeat([]byte("x"), size)
	client := &http.Client{Timeout: 30 * time.Second}
	slots := make(chan struct{}, 4)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			continue // all four busy: this tick is skipped, not queued
		}
		go func() {
			defer func() { <-slots }()
			resp, err := client.Post(url, "application/x-protobuf", bytes.NewReader(body))
			sent.Add(1)
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				failed.Add(1)
			}
		}()
	}
}

// scrape reads the unlabelled samples of an exposition page.
func scrape(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.ContainsAny(name, "{#") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}
