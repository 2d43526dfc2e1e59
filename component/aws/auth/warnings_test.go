package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
)

// A thousand failed upstream requests in a burst are one log line, and the
// next line, once the interval has passed, says how many were left out.
func TestGatewayWarningsAreRateLimited(t *testing.T) {
	var buf bytes.Buffer
	w := &warnings{every: 200 * time.Millisecond}
	warn := w.warn(log.NewLogfmtLogger(&buf))
	for range 1000 {
		warn("signing gateway: upstream request failed", "dial tcp: connection refused")
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Fatalf("%d lines for a burst of 1000:\n%s", n, buf.String())
	}
	time.Sleep(250 * time.Millisecond)
	warn("signing gateway: upstream request failed", "dial tcp: connection refused")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "suppressed=999") {
		t.Fatalf("after the interval: %q", lines)
	}
}
