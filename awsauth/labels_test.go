package awsauth

import (
	"fmt"
	"strings"
	"testing"
)

func TestLabelsComeFromFixedSets(t *testing.T) {
	for in, want := range map[string]string{"aps": "aps", "execute-api": "execute-api", "sts": "sts", "r123": "other", "": "other", "APS": "other"} {
		if got := ServiceLabel(in); got != want {
			t.Errorf("ServiceLabel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"": "", "AccessDeniedException": "AccessDeniedException", "ExpiredToken": "ExpiredToken", "ValidationException": "ValidationException",
		"MadeUpByTheUpstream": "other", "<script>": "other", strings.Repeat("A", 65): "other",
	} {
		if got := CodeLabel(in); got != want {
			t.Errorf("CodeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// Whatever services are asked and whatever upstreams answer, the counters
// keep to their fixed label sets and the kept message to its bound.
func TestStatsStayBounded(t *testing.T) {
	s := &Stats{}
	var hooked []string
	s.OnResponse = func(service string, _ int, code string) { hooked = append(hooked, service+" "+code) }
	for i := 0; i < 5000; i++ {
		svc := fmt.Sprintf("r%d", i)
		s.signed(svc, 0)
		s.response(svc, "h.example", 400+i%500, &APIError{Status: 400, Code: fmt.Sprintf("Code%d", i), Message: strings.Repeat("m", 10000)})
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

func TestAWSOperated(t *testing.T) {
	for host, want := range map[string]bool{
		"aps-workspaces.us-east-1.amazonaws.com": true, "logs.us-east-1.amazonaws.com:443": true, "sts.amazonaws.com": true,
		"vpce-0a1b-x.aps-workspaces.us-east-1.vpce.amazonaws.com": true, "xray.us-east-1.api.aws": true,
		"a1b2c3.execute-api.us-east-1.amazonaws.com": false, "abc.lambda-url.us-east-1.on.aws": false,
		"svc-0a1b.7d67968.vpc-lattice-svcs.us-east-1.on.aws": false, "search-d-abc.us-east-1.es.amazonaws.com": false,
		"abc.us-east-1.aoss.amazonaws.com": false, "p-abc.us-east-1.osis.amazonaws.com": false,
		"vpce-0a1b-x.execute-api.us-east-1.vpce.amazonaws.com": false, "loki.internal.example": false, "amazonaws.com": false,
	} {
		if got := AWSOperated(host); got != want {
			t.Errorf("AWSOperated(%q) = %v, want %v", host, got, want)
		}
	}
}
