package awsauth

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

// A certificate rotated on disk while requests flow, as cert-manager
// rotates one: no request is lost, the next refresh presents the new
// serial, and requests go on signed with the session it bought.
func TestRolesAnywhereRotationUnderLoad(t *testing.T) {
	isolateEnv(t)
	keys := awsauthtest.NewKeyring()
	ca := pki.NewCA("Example Corp Root CA")
	const role = "arn:aws:iam::111122223333:role/edge-telemetry"
	ra := pki.NewRolesAnywhere(keys, ca, "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta",
		"arn:aws:rolesanywhere:us-east-1:111122223333:profile/p", role)
	raSrv := httptest.NewServer(ra)
	defer raSrv.Close()

	var mu sync.Mutex
	delivered, sessions := map[string]bool{}, map[string]int{}
	ep := &fakeaws.Endpoint{
		Verifier: &awsauthtest.Verifier{Keys: keys, Service: "logs", Region: "us-east-1", JSON: true, Accept: awsauthtest.AssumedRole(role)},
		Next: func(w http.ResponseWriter, _ *http.Request, body []byte, c awsauthtest.Caller) {
			id, _, _ := bytes.Cut(body, []byte("\n"))
			mu.Lock()
			delivered[string(id)] = true
			sessions[c.Key.AccessKeyID]++
			mu.Unlock()
		}}
	epSrv := httptest.NewServer(ep)
	defer epSrv.Close()

	dir := t.TempDir()
	var certFile, keyFile string
	write := func(cn string) string {
		// The key first, then the certificate: a refresh between the two
		// writes finds them apart and fails, and the cache keeps serving.
		leaf, c, k, err := ca.WriteLeaf(dir, cn, time.Now().Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile = c, k
		return leaf.SerialNumber.String()
	}
	first := write("edge-7")
	a, err := New(Config{Credentials: chain.Config{Region: "us-east-1", RolesAnywhere: &rolesanywhere.Config{
		TrustAnchorARN: ra.TrustAnchorARN, ProfileARN: ra.ProfileARN, RoleARN: role,
		CertificateFile: certFile, PrivateKeyFile: keyFile, Endpoint: raSrv.URL,
	}}}, Options{BackoffBase: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)

	seen := &seenTexts{}
	l := &loadClient{tr: a.Transport(nil, ""), url: epSrv.URL, seen: seen}
	stop := make(chan struct{})
	done := l.start(stop, 2)
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered)
	}
	awsauthtest.Eventually(t, 10*time.Second, "requests flow on the first certificate", func() bool { return count() > 50 })

	second := write("edge-7")
	if err := a.ForceRefresh(ctx); err != nil {
		t.Fatalf("refresh after the rotation: %v", err)
	}
	atRotation := count()
	awsauthtest.Eventually(t, 10*time.Second, "requests flow on the new session", func() bool { return count() > atRotation+50 })
	close(stop)
	<-done

	sent, lost := l.sent(), 0
	mu.Lock()
	for i := 0; i < sent; i++ {
		if !delivered[requestID(i)] {
			lost++
		}
	}
	nSessions := len(sessions)
	mu.Unlock()
	if lost != 0 {
		t.Errorf("%d of %d requests lost; the client saw %v", lost, sent, seen.all())
	}
	var serials []string
	for _, c := range ra.Calls() {
		if c.Err == "" {
			serials = append(serials, c.Serial)
		}
	}
	if len(serials) < 2 || serials[0] != first || serials[len(serials)-1] != second {
		t.Errorf("CreateSession presented %v, want %s first and %s last", serials, first, second)
	}
	if nSessions < 2 {
		t.Errorf("requests were signed with %d session(s), want the first certificate's and the second's", nSessions)
	}
	if cert := a.Status().Certificate; cert == nil || cert.Serial != second {
		t.Errorf("status names certificate %+v, want serial %s", cert, second)
	}
	t.Logf("%d requests, none lost, across the rotation from serial %s to %s", sent, first, second)
}
