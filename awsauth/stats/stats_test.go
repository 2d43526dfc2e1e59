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
		s.Response(svc, "logs.us-east-1.amazonaws.com", 400+i%500, &classify.APIError{Status: 400, Code: fmt.Sprintf("Code%d", i), Message: strings.Repeat("m", 10000)})
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

// A customer's answer (API Gateway, a domain, any host outside the
// AWS-operated ones) keeps its status and a code of the fixed set, never
// its text: health would show that text as advice (#23: a customer's 403
// body became health's "grant iam:PassRole on …").
func TestCustomerAnswersKeepNoText(t *testing.T) {
	for _, host := range []string{"a1b2c3.execute-api.us-east-1.amazonaws.com", "loki.internal.example", "search-d.us-east-1.es.amazonaws.com"} {
		s := &Stats{}
		s.Response("execute-api", host, 403, &classify.APIError{Status: 403, Code: "AccessDeniedException", Message: "User: x is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/admin"})
		e := s.Snapshot().LastError
		if e == nil || e.Message != "" || e.Code != "AccessDeniedException" || e.Status != 403 || e.Class != classify.AccessDenied {
			t.Errorf("%s: last error %+v, want status and code without text", host, e)
		}
		s.Response("execute-api", host, 418, &classify.APIError{Status: 418, Code: "TeapotChoseThisCode", Message: "anything"})
		if e := s.Snapshot().LastError; e.Code != classify.OtherLabel || e.Message != "" {
			t.Errorf("%s: an unknown code is kept as %q %q", host, e.Code, e.Message)
		}
	}
}
