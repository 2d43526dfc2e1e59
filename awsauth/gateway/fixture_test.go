package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
)

// The example keys the fixture's gateway signs with and its fake AWS
// knows.
const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// fixture is a gateway as aws.auth builds it — New over an awsauth.Auth's
// signing transport — reaching the test kit's Upstream (a TLS fake AWS
// through a CONNECT proxy), with hooks that record what the gateway tells
// its owner.
type fixture struct {
	*awsauthtest.Upstream
	g    *Gateway
	auth *awsauth.Auth
	base *http.Transport

	mu       sync.Mutex
	refused  map[string]int
	panicked []string
}

// setup is what a test changes before the gateway is built: the policy
// (defaultPolicy's), the credentials (the example keys) and the transport
// beneath the signer (nil: the fixture's, through the proxy).
type setup struct {
	policy Policy
	creds  chain.Config
	base   http.RoundTripper
}

func newFixture(t testing.TB, edit func(*setup)) *fixture {
	t.Helper()
	awsauthtest.IsolateEnv(t)
	f := &fixture{Upstream: awsauthtest.StartUpstream(t, awsauthtest.Key{AccessKeyID: testKeyID, SecretAccessKey: testSecret}), refused: map[string]int{}}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(f.CAPEM))
	f.base = &http.Transport{Proxy: http.ProxyURL(f.ProxyURL), TLSClientConfig: &tls.Config{RootCAs: roots}}
	t.Cleanup(f.base.CloseIdleConnections)

	s := setup{policy: defaultPolicy(), creds: chain.Config{Region: "us-east-1", AccessKeyID: testKeyID, SecretAccessKey: testSecret}}
	if edit != nil {
		edit(&s)
	}
	auth, err := awsauth.New(awsauth.Config{Credentials: s.creds}, awsauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.auth = auth
	var base http.RoundTripper = f.base
	if s.base != nil {
		base = s.base
	}
	s.policy.Region = auth.Region()
	f.g = New(s.policy, auth.Transport(base, s.policy.Service), base, Hooks{
		Refused: func(reason string) {
			f.mu.Lock()
			f.refused[reason]++
			f.mu.Unlock()
		},
		Redact: auth.Redact,
		Panicked: func(value, stack string) {
			f.mu.Lock()
			f.panicked = append(f.panicked, value)
			f.mu.Unlock()
		},
	})
	return f
}

// refusals is how many requests the gateway refused for reason.
func (f *fixture) refusals(reason string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused[reason]
}

// panics are the recovered panics' values, as the gateway gave them to
// its owner.
func (f *fixture) panics() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.panicked...)
}

// do sends one request to the gateway in-process, from remote, as a
// client addressing the agent at 127.0.0.1:12345.
func (f *fixture) do(method, target, remote string, body io.Reader, header http.Header) *httptest.ResponseRecorder {
	return awsauthtest.Request(f.g, method, prefix+target, remote, body, header)
}
