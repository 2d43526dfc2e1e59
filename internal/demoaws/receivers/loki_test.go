package receivers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// loki.write sends protobuf; other clients send JSON: both decode.
func TestLokiDecodesJSONPushes(t *testing.T) {
	l := NewLoki(nil)
	l.Endpoint.Verifier = nil
	body := `{"streams":[{"stream":{"job":"app","env":"dev"},"values":[["1700000000000000000","first"],["1700000000000000001","second"]]}]}`
	r := httptest.NewRequest("POST", "/prod/loki/api/v1/push", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	l.ServeHTTP(w, r)
	if w.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	lines := l.Lines()[`{env="dev", job="app"}`]
	if strings.Join(lines, ",") != "first,second" {
		t.Fatalf("lines %v", l.Lines())
	}
}
