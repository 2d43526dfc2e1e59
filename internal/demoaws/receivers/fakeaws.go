package receivers

import (
	"net/http"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakes3"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

// Host names the FakeAWS answers for.
const (
	AMPHost  = "aps-workspaces.us-east-1.amazonaws.com"
	XRayHost = "xray.us-east-1.amazonaws.com"
	LogsHost = "logs.us-east-1.amazonaws.com"
	LokiHost = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
	// S3Host is Amazon S3 in us-east-1: buckets are BUCKET.S3Host.
	S3Host = "s3.us-east-1.amazonaws.com"
	// ArchiveBucket exists in the fake S3, owned by ArchiveOwner.
	ArchiveBucket = "demo-telemetry-archive"
	ArchiveOwner  = "444455556666"
)

// FakeAWS is a small AWS on loopback: an STS, and AMP, X-Ray, CloudWatch
// Logs and a Loki behind API Gateway served over TLS for their real names
// behind a CONNECT proxy, and an S3 holding ArchiveBucket, all sharing one
// keyring. Clients reach it with the
// knobs users have: an STS endpoint, a proxy and a CA.
type FakeAWS struct {
	Keys   *sigv4verify.Keyring
	STS    *fakeaws.STS
	STSURL string
	AMP    *AMP
	XRay   *OTLP
	Logs   *OTLP
	Loki   *Loki
	S3     *fakes3.Server
	Server *pki.AWSServer
	Proxy  *pki.Proxy

	sts *pki.Server
}

// StartFakeAWS starts a FakeAWS that knows keys.
func StartFakeAWS(keys ...sigv4verify.Key) *FakeAWS {
	f := &FakeAWS{Keys: sigv4verify.NewKeyring(keys...)}
	f.STS = &fakeaws.STS{Keys: f.Keys}
	f.sts = pki.Serve(f.STS)
	f.STSURL = f.sts.URL
	f.AMP = NewAMP(f.Keys)
	f.XRay = NewOTLP(f.Keys, "xray")
	f.Logs = NewOTLP(f.Keys, "logs")
	f.Logs.RequireHeaders = []string{"X-Aws-Log-Group", "X-Aws-Log-Stream"}
	f.Loki = NewLoki(f.Keys)
	f.S3 = &fakes3.Server{Verifier: &sigv4verify.Verifier{Keys: f.Keys, Service: "s3", Region: "us-east-1", S3Paths: true}, MaxObjects: 256}
	f.S3.AddBucket(ArchiveBucket, ArchiveOwner)
	routes := map[string]http.Handler{AMPHost: f.AMP, XRayHost: f.XRay, LogsHost: f.Logs, LokiHost: f.Loki, S3Host: f.S3}
	f.Server = pki.NewAWSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, ok := routes[host]; ok {
			h.ServeHTTP(w, r)
			return
		}
		if strings.HasSuffix(host, "."+S3Host) {
			f.S3.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}), "*.us-east-1.amazonaws.com", "*.execute-api.us-east-1.amazonaws.com", "*."+S3Host)
	f.Proxy = pki.NewProxy(f.Server.Listener.Addr().String())
	return f
}

// AcceptOnly makes every service endpoint refuse, with AccessDenied, a
// correctly signed request whose key accept does not take. Call it before
// the first request.
func (f *FakeAWS) AcceptOnly(accept func(sigv4verify.Key) bool) {
	for _, e := range []*fakeaws.Endpoint{f.AMP.Endpoint, f.XRay.Endpoint, f.Logs.Endpoint, f.Loki.Endpoint} {
		e.Verifier.Accept = accept
	}
	f.S3.Verifier.Accept = accept
}

// Close stops every server.
func (f *FakeAWS) Close() {
	f.Proxy.Close()
	f.Server.Close()
	f.sts.Close()
}
