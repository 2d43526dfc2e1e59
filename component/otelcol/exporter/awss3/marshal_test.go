package awss3

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func spans(names ...string) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	for _, n := range names {
		ss.AppendEmpty().SetName(n)
	}
	return td
}

// join is what sealing does with a batch's records.
func join(marshaler, signal string, recs ...[]byte) []byte {
	f := format(marshaler, signal)
	return append(append(f.Head, bytes.Join(recs, f.Sep)...), f.Tail...)
}

func names(td ptrace.Traces) []string {
	var out []string
	rs := td.ResourceSpans()
	for i := 0; i < rs.Len(); i++ {
		ss := rs.At(i).ScopeSpans()
		for j := 0; j < ss.Len(); j++ {
			for k := 0; k < ss.At(j).Spans().Len(); k++ {
				out = append(out, ss.At(j).Spans().At(k).Name())
			}
		}
	}
	return out
}

// Records joined as the format says decode, with the collector's own
// unmarshalers, to one request holding every span of every record.
func TestRecordsJoinIntoOneRequest(t *testing.T) {
	for marshaler, unmarshal := range map[string]func([]byte) (ptrace.Traces, error){
		OTLPProto: (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces,
		OTLPJSON:  (&ptrace.JSONUnmarshaler{}).UnmarshalTraces,
	} {
		a, err := marshalTraces(marshaler, spans("a", "b"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := marshalTraces(marshaler, spans("c"))
		if err != nil {
			t.Fatal(err)
		}
		td, err := unmarshal(join(marshaler, traces, a, c))
		if err != nil {
			t.Fatalf("%s: %v", marshaler, err)
		}
		if got := strings.Join(names(td), ","); got != "a,b,c" {
			t.Errorf("%s: the object holds spans %s, want a,b,c", marshaler, got)
		}
	}
}

func TestBodyWritesLogLinesWithLokiLabels(t *testing.T) {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr(`GET /cart "200"`)
	lr.SetTimestamp(pcommon.Timestamp(1733300000123456789))
	lr.Attributes().PutStr("job", "checkout")
	lr.Attributes().PutStr("pod", "checkout-1")
	lr.Attributes().PutStr("trace_id", "structured metadata, not a label")
	lr.Attributes().PutStr(lokiLabels, "job,pod")
	rec, err := marshalLogs(Body, ld)
	if err != nil {
		t.Fatal(err)
	}
	body := join(Body, logs, rec, rec)
	lines := strings.Split(string(body), "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("two records make %q", body)
	}
	var l line
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		t.Fatal(err)
	}
	if l.Line != `GET /cart "200"` || l.Timestamp != "2024-12-04T08:13:20.123456789Z" || len(l.Labels) != 2 || l.Labels["job"] != "checkout" || l.Labels["pod"] != "checkout-1" {
		t.Errorf("line %+v", l)
	}
	if _, err := marshalTraces(Body, spans("x")); err == nil || !strings.Contains(err.Error(), "marshaler body writes log lines") {
		t.Errorf("traces with body: %v", err)
	}
}
