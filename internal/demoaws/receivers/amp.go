package receivers

import (
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/gogo/protobuf/proto"
	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// AMP is a fake Amazon Managed Service for Prometheus remote write endpoint
// (POST /workspaces/{id}/api/v1/remote_write, service aps): snappy-framed
// protobuf WriteRequests, each sample counted by series and timestamp so
// that duplicates and losses show.
type AMP struct {
	Endpoint *fakeaws.Endpoint
	// FailStatus, when nonzero, is answered to every signed request.
	FailStatus atomic.Int32
	// CloseMidBody, while positive, makes each request's connection close
	// after part of its body was read, and counts down: nothing of such a
	// request is kept.
	CloseMidBody atomic.Int32

	mu      sync.Mutex
	samples map[string]int // "series@timestamp" -> times received, for the first maxTracked
	values  map[string]*window[float64]
	total   int // samples received
	stale   int // staleness markers received, not in total
	failed  int
}

// An AMP tracks duplicates among the first maxTracked samples and keeps
// the latest maxValues values of each series, so that a long run stays
// within a few tens of MiB; Duplicates reports when tracking stopped.
const (
	maxTracked = 50000
	maxValues  = 1000
)

// NewAMP returns an AMP endpoint verifying for service aps.
func NewAMP(keys *sigv4verify.Keyring) *AMP {
	a := &AMP{samples: map[string]int{}, values: map[string]*window[float64]{}}
	a.Endpoint = &fakeaws.Endpoint{Verifier: &sigv4verify.Verifier{Keys: keys, Service: "aps", JSON: true}, Next: a.serve}
	return a
}

func (a *AMP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.CloseMidBody.Add(-1) >= 0 {
		_, _ = io.CopyN(io.Discard, r.Body, 16)
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	a.Endpoint.ServeHTTP(w, r)
}

func (a *AMP) serve(w http.ResponseWriter, r *http.Request, body []byte, _ sigv4verify.Caller) {
	if s := a.FailStatus.Load(); s != 0 {
		a.mu.Lock()
		a.failed++
		a.mu.Unlock()
		w.Header().Set("X-Amzn-ErrorType", "ServiceUnavailableException")
		http.Error(w, `{"message":"Service Unavailable"}`, int(s))
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/workspaces/") || !strings.HasSuffix(r.URL.Path, "/api/v1/remote_write") {
		http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
		return
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		http.Error(w, `{"message":"snappy: `+err.Error()+`"}`, http.StatusBadRequest)
		return
	}
	var req prompb.WriteRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, `{"message":"proto: `+err.Error()+`"}`, http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	for _, ts := range req.Timeseries {
		series := seriesKey(ts.Labels)
		for _, s := range ts.Samples {
			if math.IsNaN(s.Value) {
				a.stale++
				continue // staleness markers
			}
			a.total++
			key := series + "@" + strconv.FormatInt(s.Timestamp, 10)
			if n, ok := a.samples[key]; ok || len(a.samples) < maxTracked {
				a.samples[key] = n + 1
			}
			v := a.values[series]
			if v == nil {
				v = &window[float64]{limit: maxValues}
				a.values[series] = v
			}
			v.add(s.Value)
		}
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func seriesKey(labels []prompb.Label) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = l.Name + "=" + l.Value
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// Values returns the latest values received for each series whose key
// contains match, e.g. `__name__=test_metric`.
func (a *AMP) Values(match string) map[string][]float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string][]float64{}
	for k, v := range a.values {
		if strings.Contains(k, match) {
			out[k] = v.last()
		}
	}
	return out
}

// Duplicates lists the samples received more than once; past maxTracked
// samples it says that it cannot tell.
func (a *AMP) Duplicates() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	if a.total > len(a.samples) && len(a.samples) >= maxTracked {
		out = append(out, "(duplicates are tracked among the first "+strconv.Itoa(maxTracked)+" samples only)")
	}
	for k, n := range a.samples {
		if n > 1 {
			out = append(out, k)
		}
	}
	return out
}

// Failed counts the requests answered with FailStatus.
func (a *AMP) Failed() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failed
}

// Samples counts the samples received (staleness markers excluded).
// StaleMarkers counts the staleness markers received (NaN samples, which
// Samples leaves out).
func (a *AMP) StaleMarkers() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stale
}

func (a *AMP) Samples() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.total
}
