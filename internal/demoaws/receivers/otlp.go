// Package receivers holds fake AWS telemetry endpoints for tests: X-Ray and
// CloudWatch Logs OTLP/HTTP, Amazon Managed Service for Prometheus remote
// write, and a Loki push API behind API Gateway. Each verifies SigV4 with
// the awsauthtest verifier, decodes what it receives as the real service
// would, and counts it.
package receivers

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// OTLP is a fake X-Ray (/v1/traces, service xray) or CloudWatch Logs
// (/v1/logs, service logs) OTLP endpoint.
type OTLP struct {
	Endpoint *fakeaws.Endpoint
	// RequireHeaders must be present on every request (CloudWatch Logs
	// wants x-aws-log-group and x-aws-log-stream).
	RequireHeaders []string

	mu      sync.Mutex
	spans   window[string] // span names
	records window[string] // log bodies
	headers window[http.Header]
}

// Kept is how many of the latest span names, log bodies and request
// headers a receiver keeps; it counts them all.
const Kept = 10000

// NewOTLP returns an OTLP endpoint verifying for service.
func NewOTLP(keys *sigv4verify.Keyring, service string) *OTLP {
	o := &OTLP{spans: newWindow[string](Kept), records: newWindow[string](Kept), headers: newWindow[http.Header](Kept)}
	o.Endpoint = &fakeaws.Endpoint{Verifier: &sigv4verify.Verifier{Keys: keys, Service: service, JSON: true}, Next: o.serve}
	return o
}

func (o *OTLP) ServeHTTP(w http.ResponseWriter, r *http.Request) { o.Endpoint.ServeHTTP(w, r) }

func (o *OTLP) serve(w http.ResponseWriter, r *http.Request, body []byte, _ sigv4verify.Caller) {
	for _, h := range o.RequireHeaders {
		if r.Header.Get(h) == "" {
			http.Error(w, fmt.Sprintf(`{"message":"missing header %s"}`, h), http.StatusBadRequest)
			return
		}
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if body, err = io.ReadAll(zr); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	var out []byte
	var err error
	switch r.URL.Path {
	case "/v1/traces":
		out, err = o.traces(r, body)
	case "/v1/logs":
		out, err = o.logs(r, body)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// traces keeps the names of the spans of an OTLP traces export, and
// answers as the endpoint does.
func (o *OTLP) traces(r *http.Request, body []byte) ([]byte, error) {
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return nil, err
	}
	var names []string
	rss := req.Traces().ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				names = append(names, spans.At(k).Name())
			}
		}
	}
	o.mu.Lock()
	o.spans.add(names...)
	o.headers.add(r.Header.Clone())
	o.mu.Unlock()
	return ptraceotlp.NewExportResponse().MarshalProto()
}

// logs keeps the bodies of the records of an OTLP logs export, and
// answers as the endpoint does.
func (o *OTLP) logs(r *http.Request, body []byte) ([]byte, error) {
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return nil, err
	}
	var bodies []string
	rls := req.Logs().ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				bodies = append(bodies, lrs.At(k).Body().AsString())
			}
		}
	}
	o.mu.Lock()
	o.records.add(bodies...)
	o.headers.add(r.Header.Clone())
	o.mu.Unlock()
	return plogotlp.NewExportResponse().MarshalProto()
}

// Spans returns the names of the latest Kept spans received.
func (o *OTLP) Spans() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.spans.last()
}

// SpanCount is how many spans were received.
func (o *OTLP) SpanCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.spans.total
}

// Records returns the bodies of the latest Kept log records received.
func (o *OTLP) Records() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.records.last()
}

// RecordCount is how many log records were received.
func (o *OTLP) RecordCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.records.total
}

// Headers returns the headers of the latest Kept accepted requests.
func (o *OTLP) Headers() []http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.headers.last()
}
