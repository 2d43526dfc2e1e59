package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// boundsConfig is the demo's aws.auth with a gateway that takes bodies of
// at most 1 KiB.
var boundsConfig = demoAuth(`	gateway {
		max_body_size = "1KiB"
	}
`)

// The agent's HTTP server holds against local clients that the gateway's
// own bounds come too late for: three 48 MiB bodies sent with
// `Upgrade: h2c` (which upstream's server read whole into memory before
// any handler ran: +270 MiB with max_body_size 1KiB), 50 connections each
// sending 1 MiB of unfinished headers (upstream: no limit but Go's 1 MiB
// each, and no deadline), and a connection that never finishes its
// headers, and one connection re-sending 60 KiB of headers request after
// request (with 1 MiB, such a client kept 95 of 95 honest remote_write
// requests at 503). The agent's peak memory grows by less than 40 MiB,
// the header floods get 431, the slow connection is cut within 15 s, and
// /-/ready and an honest remote_write through the gateway are answered
// throughout.
func TestServerBoundsHoldAgainstLocalClients(t *testing.T) {
	config := filepath.Join(t.TempDir(), "bounds.river")
	if err := os.WriteFile(config, []byte(boundsConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startAgentOn(t, config)
	addr := strings.TrimPrefix(d.base, "http://")
	path := "/api/v0/component/aws.auth.demo/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-demo/api/v1/remote_write"
	before := peakRSS(t, d.cmd.Process.Pid)

	// A connection that never finishes its headers.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST %s HTTP/1.1\r\nHost: %s\r\nX-Slow: ", path, addr)
	slowStart := time.Now()

	var wg sync.WaitGroup
	statuses := make(chan string, 100)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- "h2c " + sendRaw(addr, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n", path, addr, 48<<20), 48<<20)
		}()
	}
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- "headers " + sendRaw(addr, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nX-Flood: ", path, addr), 1<<20)
		}()
	}
	// One connection re-sending 60 KiB of headers, request after request,
	// as the attack that held every slot did with 1 MiB.
	stopResend := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		big := strings.Repeat("h", 60<<10)
		for {
			select {
			case <-stopResend:
				return
			default:
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\nContent-Length: 10\r\n\r\n", path, addr, big)
			_, _ = bufio.NewReader(c).ReadString('\n')
			c.Close()
		}
	}()
	// Honest clients are answered while the attacks run: /-/ready, and
	// remote_write through the gateway to the fake AMP.
	for i := 0; i < 5; i++ {
		start := time.Now()
		if status, _ := getPage(t, d.base+"/-/ready"); status != 200 || time.Since(start) > 2*time.Second {
			t.Errorf("/-/ready during the attacks: %d after %s", status, time.Since(start))
		}
		start = time.Now()
		if status := postRemoteWrite(t, d.base+path); status != 200 || time.Since(start) > 3*time.Second {
			t.Errorf("an honest remote_write during the attacks: %d after %s", status, time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stopResend)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		kind, status, _ := strings.Cut(s, " ")
		switch {
		case kind == "h2c" && strings.HasPrefix(status, "101"):
			t.Errorf("an h2c upgrade was honoured: %s", status)
		case kind == "headers" && !strings.HasPrefix(status, "431") && status != "closed":
			t.Errorf("1 MiB of headers: %s, want 431", status)
		}
	}
	if grown := peakRSS(t, d.cmd.Process.Pid) - before; grown > 40<<20 {
		t.Errorf("the agent's peak memory grew by %d MiB", grown>>20)
	}

	// The slow connection is cut by the header deadline.
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = bufio.NewReader(slow).ReadByte()
	if took := time.Since(slowStart); err == nil || took > 15*time.Second {
		t.Errorf("a connection that never finished its headers: %v after %s", err, took)
	}
	if status, _ := getPage(t, d.base+"/-/ready"); status != 200 {
		t.Errorf("/-/ready after the attacks: %d", status)
	}
}

// postRemoteWrite sends one small remote_write request (a sample of one
// series, snappy-framed protobuf) and returns the status.
func postRemoteWrite(t *testing.T, url string) int {
	t.Helper()
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  []prompb.Label{{Name: "__name__", Value: "honest_writer"}},
		Samples: []prompb.Sample{{Value: 1, Timestamp: time.Now().UnixMilli()}},
	}}}
	raw, err := proto.Marshal(&req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(snappy.Encode(nil, raw)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// sendRaw writes head, then n bytes of 'a', and returns the status line
// the server answers ("closed" if it closes first).
func sendRaw(addr, head string, n int) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		if _, err := c.Write([]byte(head)); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for sent := 0; sent < n; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "closed"
	}
	return strings.TrimPrefix(strings.TrimSpace(line), "HTTP/1.1 ")
}

// peakRSS is a process's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
