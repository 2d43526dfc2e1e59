package receivers

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/golang/snappy"
	"github.com/grafana/loki/pkg/push"
)

// Loki is a fake Loki push API behind API Gateway with IAM auth (service
// execute-api): protobuf+snappy or JSON pushes, lines kept per stream in
// the order received: the latest Kept of each of at most maxStreams streams.
type Loki struct {
	Endpoint *fakeaws.Endpoint

	mu      sync.Mutex
	lines   map[string]*window[string]
	total   int // lines received
	dropped int // lines of streams beyond maxStreams
}

const maxStreams = 1000

// NewLoki returns a Loki endpoint verifying for service execute-api.
func NewLoki(keys *sigv4verify.Keyring) *Loki {
	l := &Loki{lines: map[string]*window[string]{}}
	l.Endpoint = &fakeaws.Endpoint{Verifier: &sigv4verify.Verifier{Keys: keys, Service: "execute-api", JSON: true}, Next: l.serve}
	return l
}

func (l *Loki) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.Endpoint.ServeHTTP(w, r) }

func (l *Loki) serve(w http.ResponseWriter, r *http.Request, body []byte, _ sigv4verify.Caller) {
	if !strings.HasSuffix(r.URL.Path, "/loki/api/v1/push") {
		http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
		return
	}
	var streams []push.Stream
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			Streams []struct {
				Stream map[string]string `json:"stream"`
				Values [][2]string       `json:"values"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, s := range req.Streams {
			st := push.Stream{Labels: labelsText(s.Stream)}
			for _, v := range s.Values {
				st.Entries = append(st.Entries, push.Entry{Line: v[1]})
			}
			streams = append(streams, st)
		}
	} else {
		raw, err := snappy.Decode(nil, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req push.PushRequest
		if err := req.Unmarshal(raw); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		streams = req.Streams
	}
	l.mu.Lock()
	for _, s := range streams {
		for _, e := range s.Entries {
			w, ok := l.lines[s.Labels]
			if !ok && len(l.lines) >= maxStreams {
				l.dropped++
				continue
			}
			if w == nil {
				w = &window[string]{limit: Kept}
				l.lines[s.Labels] = w
			}
			w.add(e.Line)
			l.total++
		}
	}
	l.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func labelsText(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, k+"="+`"`+v+`"`)
	}
	sort.Strings(parts)
	return "{" + strings.Join(parts, ", ") + "}"
}

// Lines returns the latest Kept lines received per stream, in order.
func (l *Loki) Lines() map[string][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]string{}
	for k, v := range l.lines {
		out[k] = v.last()
	}
	return out
}

// LineCount is how many lines were received, in every stream.
func (l *Loki) LineCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total + l.dropped
}
