package awss3

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
)

// Signals, as keys name them.
const (
	traces  = "traces"
	logs    = "logs"
	metrics = "metrics"
)

// formats are how each marshaler's records join into an object. An OTLP
// protobuf request is a repeated field: requests concatenated are one
// request holding them all. The JSON of a request is one object around
// an array; its records are that array's elements.
func format(marshaler, signal string) s3archive.Format {
	switch marshaler {
	case OTLPProto:
		return s3archive.Format{Name: OTLPProto, ContentType: "application/x-protobuf", Ext: "binpb"}
	case Body:
		return s3archive.Format{Name: Body, ContentType: "application/x-ndjson", Ext: "jsonl", Sep: []byte("\n"), Tail: []byte("\n")}
	}
	return s3archive.Format{Name: OTLPJSON, ContentType: "application/json", Ext: "json",
		Head: []byte(`{"` + jsonField[signal] + `":[`), Sep: []byte(","), Tail: []byte("]}")}
}

var jsonField = map[string]string{traces: "resourceSpans", logs: "resourceLogs", metrics: "resourceMetrics"}

// inner is what a JSON request holds inside its array: the records.
func inner(b []byte, signal string) ([]byte, error) {
	head := `{"` + jsonField[signal] + `":[`
	if !bytes.HasPrefix(b, []byte(head)) || !bytes.HasSuffix(b, []byte("]}")) {
		return nil, fmt.Errorf("unexpected OTLP JSON shape")
	}
	return b[len(head) : len(b)-2], nil
}

// errBodyLogsOnly refuses traces and metrics: lines are log lines.
var errBodyLogsOnly = "marshaler body writes log lines: %s cannot be archived with it (use otlp_json or otlp_proto, or send only logs here)"

func marshalTraces(marshaler string, td ptrace.Traces) ([]byte, error) {
	switch marshaler {
	case OTLPProto:
		return (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	case Body:
		return nil, fmt.Errorf(errBodyLogsOnly, traces)
	}
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return nil, err
	}
	return inner(b, traces)
}

func marshalMetrics(marshaler string, md pmetric.Metrics) ([]byte, error) {
	switch marshaler {
	case OTLPProto:
		return (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	case Body:
		return nil, fmt.Errorf(errBodyLogsOnly, metrics)
	}
	b, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
	if err != nil {
		return nil, err
	}
	return inner(b, metrics)
}

func marshalLogs(marshaler string, ld plog.Logs) ([]byte, error) {
	switch marshaler {
	case OTLPProto:
		return (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	case Body:
		return logLines(ld)
	}
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	if err != nil {
		return nil, err
	}
	return inner(b, logs)
}

// lokiLabels is the attribute otelcol.receiver.loki lists a Loki entry's
// labels in (the other attributes are structured metadata).
const lokiLabels = "loki.attribute.labels"

// line is one log record as the body marshaler writes it: what Athena's
// JSON SerDe reads as three columns.
type line struct {
	Timestamp string            `json:"timestamp"`
	Labels    map[string]string `json:"labels"`
	Line      string            `json:"line"`
}

// logLines writes one JSON object per log record, lines joined by "\n".
func logLines(ld plog.Logs) ([]byte, error) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				ts := lr.Timestamp()
				if ts == 0 {
					ts = lr.ObservedTimestamp()
				}
				l := line{Timestamp: ts.AsTime().UTC().Format(time.RFC3339Nano), Labels: map[string]string{}, Line: lr.Body().AsString()}
				attrs := lr.Attributes()
				if hint, ok := attrs.Get(lokiLabels); ok {
					for _, name := range strings.Split(hint.AsString(), ",") {
						if v, ok := attrs.Get(name); ok {
							l.Labels[name] = v.AsString()
						}
					}
				}
				if err := enc.Encode(l); err != nil {
					return nil, err
				}
			}
		}
	}
	// Encode ends each line with "\n"; the format puts one between
	// records and one at the end.
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}
