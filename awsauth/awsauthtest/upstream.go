package awsauthtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

// Upstream is AWS as a signing gateway's tests reach it: a TLS server for
// AWS host names (and loki.internal.example, a host outside AWS's domains)
// behind a CONNECT proxy, verifying every request's signature against
// Keys. A verified request is handed to Seen, then answered by Answer, or
// with its own body when Answer is nil.
type Upstream struct {
	Keys  *Keyring
	Proxy *pki.Proxy
	// ProxyURL is Proxy's; CAPEM the CA the server's certificate is of.
	ProxyURL *url.URL
	CAPEM    string
	// Seen holds up to 10 verified requests: a test that sends more reads
	// them, or they wait.
	Seen chan *http.Request
	// Answer, if set before the requests, answers the verified ones.
	Answer http.HandlerFunc
	// Arrived counts every request that reached the server, signed or not.
	Arrived atomic.Int64
}

// UpstreamHosts are the names Upstream's certificate holds.
var UpstreamHosts = []string{"*.us-east-1.amazonaws.com", "*.us-east-1.es.amazonaws.com", "*.execute-api.us-east-1.amazonaws.com", "*.lambda-url.us-east-1.on.aws", "loki.internal.example"}

// StartUpstream serves an Upstream that knows keys until the test ends.
func StartUpstream(t T, keys ...Key) *Upstream {
	t.Helper()
	u := &Upstream{Keys: NewKeyring(keys...), Seen: make(chan *http.Request, 10)}
	verifier := &Verifier{Keys: u.Keys, JSON: true}
	server := pki.NewAWSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.Arrived.Add(1)
		body, _ := io.ReadAll(r.Body)
		if _, err := verifier.Verify(r, body); err != nil {
			err.Write(w)
			return
		}
		u.Seen <- r
		if u.Answer != nil {
			u.Answer(w, r)
			return
		}
		_, _ = w.Write(body) // echo
	}), UpstreamHosts...)
	t.Cleanup(server.Close)
	u.Proxy = pki.NewProxy(server.Listener.Addr().String())
	t.Cleanup(u.Proxy.Close)
	u.ProxyURL, _ = url.Parse(u.Proxy.URL)
	u.CAPEM = server.CAPEM
	return u
}

// Request serves h one request in-process: method to target (a path and
// query) from remote, addressing the agent at 127.0.0.1:12345, with
// header's fields added, as a gateway's client would send it.
func Request(h http.Handler, method, target, remote string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = remote
	r.Host = "127.0.0.1:12345"
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
