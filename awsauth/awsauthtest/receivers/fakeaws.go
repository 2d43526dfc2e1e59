package receivers

import (
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest/pki"
)

// Host names the FakeAWS answers for.
const (
	AMPHost  = "aps-workspaces.us-east-1.amazonaws.com"
	XRayHost = "xray.us-east-1.amazonaws.com"
	LogsHost = "logs.us-east-1.amazonaws.com"
	LokiHost = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
)

// FakeAWS is a small AWS on loopback: an STS, and AMP, X-Ray, CloudWatch
// Logs and a Loki behind API Gateway served over TLS for their real names
// behind a CONNECT proxy, all sharing one keyring. Clients reach it with the
// knobs users have: an STS endpoint, a proxy and a CA.
type FakeAWS struct {
	Keys   *awsauthtest.Keyring
	STS    *fakeaws.STS
	STSURL string
	AMP    *AMP
	XRay   *OTLP
	Logs   *OTLP
	Loki   *Loki
	Server *pki.AWSServer
	Proxy  *pki.Proxy

	sts *httptest.Server
}

// StartFakeAWS starts a FakeAWS that knows keys.
func StartFakeAWS(keys ...awsauthtest.Key) *FakeAWS {
	f := &FakeAWS{Keys: awsauthtest.NewKeyring(keys...)}
	f.STS = &fakeaws.STS{Keys: f.Keys}
	f.sts = httptest.NewServer(f.STS)
	f.STSURL = f.sts.URL
	f.AMP = NewAMP(f.Keys)
	f.XRay = NewOTLP(f.Keys, "xray")
	f.Logs = NewOTLP(f.Keys, "logs")
	f.Logs.RequireHeaders = []string{"X-Aws-Log-Group", "X-Aws-Log-Stream"}
	f.Loki = NewLoki(f.Keys)
	routes := map[string]http.Handler{AMPHost: f.AMP, XRayHost: f.XRay, LogsHost: f.Logs, LokiHost: f.Loki}
	f.Server = pki.NewAWSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := routes[strings.ToLower(r.Host)]; ok {
			h.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}), "*.us-east-1.amazonaws.com", "*.execute-api.us-east-1.amazonaws.com")
	f.Proxy = pki.NewProxy(f.Server.Listener.Addr().String())
	return f
}

// AcceptOnly makes every service endpoint refuse, with AccessDenied, a
// correctly signed request whose key accept does not take. Call it before
// the first request.
func (f *FakeAWS) AcceptOnly(accept func(awsauthtest.Key) bool) {
	for _, e := range []*fakeaws.Endpoint{f.AMP.Endpoint, f.XRay.Endpoint, f.Logs.Endpoint, f.Loki.Endpoint} {
		e.Verifier.Accept = accept
	}
}

// Close stops every server.
func (f *FakeAWS) Close() {
	f.Proxy.Close()
	f.Server.Close()
	f.sts.Close()
}
