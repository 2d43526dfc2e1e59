package gateway

import (
	"net/http"
	"testing"
)

// The admission of one remote_write request: what every request pays
// before anything is read.
func BenchmarkAdmit(b *testing.B) {
	g := New(defaultPolicy(), nil, nil, Hooks{})
	r, _ := http.NewRequest("POST", "http://127.0.0.1:12345/", nil)
	r.RequestURI, r.Host, r.RemoteAddr = prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "127.0.0.1:12345", "127.0.0.1:40000"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ref := g.admit(r); ref != nil {
			b.Fatal(ref.msg)
		}
	}
}
