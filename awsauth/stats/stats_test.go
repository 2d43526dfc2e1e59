package stats

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
)

// Whatever services are asked and whatever upstreams answer, the counters
// keep to their fixed label sets and the kept message to its bound.
func TestStatsStayBounded(t *testing.T) {
	s := &Stats{}
	var hooked []string
	s.OnResponse = func(service string, _ int, code string) { hooked = append(hooked, service+" "+code) }
	for i := 0; i < 5000; i++ {
		svc := fmt.Sprintf("r%d", i)
		s.Signed(svc, 0)
		s.Response(svc, "h.example", 400+i%500, &classify.APIError{Status: 400, Code: fmt.Sprintf("Code%d", i), Message: strings.Repeat("m", 10000)})
	}
	snap := s.Snapshot()
	if len(snap.Signed) != 1 || snap.Signed["other"] != 5000 {
		t.Fatalf("signed by service: %v", snap.Signed)
	}
	if len(snap.Responses) > maxResponseKeys {
		t.Fatalf("%d response keys, bound %d", len(snap.Responses), maxResponseKeys)
	}
	var total uint64
	for k, n := range snap.Responses {
		if k.Service != "other" || k.Code != "other" {
			t.Fatalf("unbounded key %+v", k)
		}
		total += n
	}
	if total != 5000 {
		t.Fatalf("counted %d responses, want 5000", total)
	}
	if e := snap.LastError; e == nil || len(e.Message) > maxMessage+len("…") || e.Code != "Code4999" {
		t.Fatalf("last error %+v", e)
	}
	for _, h := range hooked {
		if h != "other other" {
			t.Fatalf("the metric hook saw %q", h)
		}
	}
}
