package chain

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

const (
	trustAnchorARN = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/0a1b2c3d-edge"
	profileARN     = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/4e5f6a7b-edge"
	edgeRoleARN    = "arn:aws:iam::111122223333:role/edge-telemetry"
)

// raEnv is a fake Roles Anywhere with its trust anchor, and a fake STS that
// trusts the sessions it issues.
type raEnv struct {
	ca  *pki.CA
	ra  *pki.RolesAnywhere
	sts *fakeaws.STSServer
	url string
	dir string
}

func newRAEnv(t *testing.T) *raEnv {
	t.Helper()
	isolateEnv(t)
	e := &raEnv{ca: pki.NewCA("Example Corp Root CA"), sts: fakeaws.StartSTS(t, awsauthtest.User), dir: t.TempDir()}
	e.ra = pki.NewRolesAnywhere(e.sts.Keys, e.ca, trustAnchorARN, profileARN, edgeRoleARN)
	srv := httptest.NewServer(e.ra)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// write puts a certificate (PEM, chain appended) and its key in files.
func (e *raEnv) write(t *testing.T, name string, certPEM, keyPEM []byte) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(e.dir, name+".crt"), filepath.Join(e.dir, name+".key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func (e *raEnv) config(certFile, keyFile string) Config {
	return Config{RolesAnywhere: &rolesanywhere.Config{
		TrustAnchorARN: trustAnchorARN, ProfileARN: profileARN, RoleARN: edgeRoleARN,
		CertificateFile: certFile, PrivateKeyFile: keyFile, Endpoint: e.url,
	}}
}

// issueValid issues a certificate valid from an hour ago for 30 days.
func issueValid(ca *pki.CA, cn string, key crypto.Signer) *x509.Certificate {
	return ca.Issue(cn, key, time.Now().Add(-time.Hour), time.Now().Add(30*24*time.Hour))
}

// RSA and ECDSA certificates, keys in each PEM form, with and without an
// intermediate: CreateSession is signed so that the fake, which verifies
// on its own, issues credentials for the role; the source names the
// certificate and never the key.
func TestRolesAnywhereIssuesCredentials(t *testing.T) {
	for _, c := range []struct {
		name         string
		kind         pki.KeyKind
		form, alg    string
		intermediate bool
	}{
		{"RSA 2048 PKCS1", pki.RSA2048, "PKCS1", "AWS4-X509-RSA-SHA256", false},
		{"RSA 2048 PKCS8 via an intermediate", pki.RSA2048, "PKCS8", "AWS4-X509-RSA-SHA256", true},
		{"P-256 SEC1", pki.ECDSAP256, "SEC1", "AWS4-X509-ECDSA-SHA256", false},
		{"P-384 PKCS8 via an intermediate", pki.ECDSAP384, "PKCS8", "AWS4-X509-ECDSA-SHA256", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newRAEnv(t)
			key := pki.NewKey(c.kind)
			issuer, chain := e.ca, []*x509.Certificate(nil)
			if c.intermediate {
				issuer = e.ca.Intermediate("Example Corp Issuing CA")
				chain = append(chain, issuer.Cert)
			}
			leaf := issueValid(issuer, "edge-host-7", key)
			keyPEM := pki.KeyPEM(key, c.form)
			certFile, keyFile := e.write(t, "edge", pki.CertPEM(append([]*x509.Certificate{leaf}, chain...)...), keyPEM)
			ch, err := New(e.config(certFile, keyFile))
			if err != nil {
				t.Fatal(err)
			}
			if ch.Region() != "eu-west-1" {
				t.Errorf("region %q, want the trust anchor's eu-west-1", ch.Region())
			}
			creds, err := ch.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			issued, ok := e.sts.Keys.Lookup(creds.AccessKeyID)
			if !ok || !strings.HasPrefix(issued.ARN, "arn:aws:sts::111122223333:assumed-role/edge-telemetry/") || creds.SessionToken == "" || !creds.CanExpire {
				t.Fatalf("credentials %+v, issued %+v", creds, issued)
			}
			if left := time.Until(creds.Expires); left < 59*time.Minute || left > 61*time.Minute {
				t.Errorf("expire in %s, want the default hour", left)
			}
			calls := e.ra.Calls()
			if len(calls) != 1 || calls[0].Algorithm != c.alg || calls[0].Serial != leaf.SerialNumber.String() || calls[0].ChainCerts != len(chain) || calls[0].Err != "" {
				t.Fatalf("CreateSession calls %+v", calls)
			}
			for _, want := range []string{"roles_anywhere", "CN=edge-host-7", "serial " + leaf.SerialNumber.String(), "valid until"} {
				if !strings.Contains(creds.Source, want) {
					t.Errorf("source %q does not name %q", creds.Source, want)
				}
			}
			if strings.Contains(creds.Source, string(keyPEM[40:80])) {
				t.Fatal("the source quotes the private key")
			}
			if ci := ch.Certificate(); ci == nil || ci.Serial != leaf.SerialNumber.String() || !ci.NotAfter.Equal(leaf.NotAfter) || ci.Subject != leaf.Subject.String() {
				t.Errorf("certificate info %+v", ci)
			}
		})
	}
}

// A certificate out of its validity, a key that is not the certificate's,
// an encrypted key, and a certificate of another CA: each gives its own
// clear error, the first three before any call, and none quotes the key.
func TestRolesAnywhereRefusesBadCertificates(t *testing.T) {
	e := newRAEnv(t)
	key := pki.NewKey(pki.ECDSAP256)
	keyPEM := pki.KeyPEM(key, "PKCS8")
	other := pki.NewCA("Somebody Else's CA")
	encrypted := []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n")
	for _, c := range []struct {
		name   string
		cert   *x509.Certificate
		keyPEM []byte
		want   string
		calls  int
		class  classify.Class
	}{
		{"expired", e.ca.Issue("edge-old", key, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)), keyPEM, "roles_anywhere: certificate_file: certificate CN=edge-old,O=Example Corp (serial ", 0, classify.None},
		{"not yet valid", e.ca.Issue("edge-new", key, time.Now().Add(time.Hour), time.Now().Add(48*time.Hour)), keyPEM, "is not valid before", 0, classify.None},
		{"wrong key", issueValid(e.ca, "edge-7", pki.NewKey(pki.ECDSAP256)), keyPEM, "roles_anywhere: private_key_file: the key is not the one of certificate CN=edge-7", 0, classify.None},
		{"encrypted key", issueValid(e.ca, "edge-7", key), encrypted, "is encrypted, which aws.auth does not decrypt", 0, classify.None},
		{"unknown trust anchor", issueValid(other, "edge-7", key), keyPEM, "rolesanywhere:CreateSession: AccessDeniedException: Untrusted signing certificate", 1, classify.AccessDenied},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.ra.Calls())
			certFile, keyFile := e.write(t, strings.ReplaceAll(c.name, " ", "-"), pki.CertPEM(c.cert), c.keyPEM)
			ch, err := New(e.config(certFile, keyFile))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ch.Retrieve(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if classify.Of(err) != c.class {
				t.Errorf("class %q, want %q", classify.Of(err), c.class)
			}
			if n := len(e.ra.Calls()) - before; n != c.calls {
				t.Errorf("%d CreateSession calls, want %d", n, c.calls)
			}
			if strings.Contains(err.Error(), strings.Split(string(c.keyPEM), "\n")[1][:20]) {
				t.Fatalf("the error quotes the key: %v", err)
			}
		})
	}
}

// A certificate rotated on disk (as cert-manager or a PKI agent does) is
// used by the next refresh, with no restart.
func TestRolesAnywhereRereadsARotatedCertificate(t *testing.T) {
	e := newRAEnv(t)
	key1 := pki.NewKey(pki.ECDSAP256)
	first := issueValid(e.ca, "edge-7", key1)
	certFile, keyFile := e.write(t, "edge", pki.CertPEM(first), pki.KeyPEM(key1, "PKCS8"))
	ch, err := New(e.config(certFile, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	key2 := pki.NewKey(pki.RSA2048)
	second := issueValid(e.ca, "edge-7", key2)
	e.write(t, "edge", pki.CertPEM(second), pki.KeyPEM(key2, "PKCS1"))
	creds, err := ch.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	calls := e.ra.Calls()
	if len(calls) != 2 || calls[0].Serial != first.SerialNumber.String() || calls[1].Serial != second.SerialNumber.String() || calls[1].Algorithm != "AWS4-X509-RSA-SHA256" {
		t.Fatalf("calls %+v", calls)
	}
	if !strings.Contains(creds.Source, "serial "+second.SerialNumber.String()) {
		t.Errorf("source %q names the old certificate", creds.Source)
	}
}

// role_arn at the top chains an AssumeRole, with its external id, on the
// Roles Anywhere session: into another account.
func TestRolesAnywhereThenAssumeRole(t *testing.T) {
	e := newRAEnv(t)
	e.sts.RequireExternalID(awsauthtest.RoleARN, "tenant-42")
	key := pki.NewKey(pki.ECDSAP256)
	certFile, keyFile := e.write(t, "edge", pki.CertPEM(issueValid(e.ca, "edge-7", key)), pki.KeyPEM(key, "PKCS8"))
	cfg := e.config(certFile, keyFile)
	cfg.RoleARN, cfg.ExternalID, cfg.STSEndpoint = awsauthtest.RoleARN, "tenant-42", e.sts.URL
	ch, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := ch.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(creds.Source, "roles_anywhere (certificate CN=edge-7") || !strings.HasSuffix(creds.Source, ", then AssumeRole "+awsauthtest.RoleARN) {
		t.Fatalf("source %q", creds.Source)
	}
	calls := e.sts.CallsOf("AssumeRole")
	if len(calls) != 1 || !strings.HasPrefix(calls[0].Caller, "arn:aws:sts::111122223333:assumed-role/edge-telemetry/") || calls[0].Params.Get("ExternalId") != "tenant-42" {
		t.Fatalf("AssumeRole calls %+v", calls)
	}
}

// The block's arguments are checked before anything is read.
func TestRolesAnywhereArgumentsGetClearErrors(t *testing.T) {
	isolateEnv(t)
	ok := rolesanywhere.Config{TrustAnchorARN: trustAnchorARN, ProfileARN: profileARN, RoleARN: edgeRoleARN, CertificateFile: "/c", PrivateKeyFile: "/k"}
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.RolesAnywhere.TrustAnchorARN = "arn:aws:iam::1:role/x" }, "roles_anywhere: trust_anchor_arn: \"arn:aws:iam::1:role/x\" is not a Roles Anywhere trust anchor ARN"},
		{func(c *Config) { c.RolesAnywhere.ProfileARN = "" }, "roles_anywhere: profile_arn:"},
		{func(c *Config) { c.RolesAnywhere.PrivateKeyFile = "" }, "roles_anywhere: private_key_file: must be set"},
		{func(c *Config) { c.RolesAnywhere.SessionDuration = 13 * time.Hour }, "roles_anywhere: session_duration: 13h0m0s is outside the range"},
		{func(c *Config) { c.AccessKeyID, c.SecretAccessKey = "AKIAEXAMPLE", "x" }, "roles_anywhere: is a credential source of its own"},
	} {
		ra := ok
		cfg := Config{RolesAnywhere: &ra}
		c.edit(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

// certificate_chain_file, session_duration and session_name reach
// CreateSession, and their effect shows: the intermediate kept apart from
// the leaf completes the trust chain (without it the fake refuses), the
// credentials last the asked duration, and the session carries the name.
// Breaks caught (each tried once, not committed): the chain file ignored,
// durationSeconds hard-coded to 3600, roleSessionName sent empty.
func TestRolesAnywhereChainDurationAndSessionNameReachCreateSession(t *testing.T) {
	e := newRAEnv(t)
	issuer := e.ca.Intermediate("Example Corp Issuing CA")
	key := pki.NewKey(pki.ECDSAP256)
	leaf := issueValid(issuer, "edge-7", key)
	certFile, keyFile := e.write(t, "edge", pki.CertPEM(leaf), pki.KeyPEM(key, "PKCS8"))
	chainFile := filepath.Join(e.dir, "chain.pem")
	if err := os.WriteFile(chainFile, pki.CertPEM(issuer.Cert), 0o600); err != nil {
		t.Fatal(err)
	}

	// Without the chain the leaf does not lead to the trust anchor.
	ch, err := New(e.config(certFile, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "Untrusted signing certificate") {
		t.Fatalf("without certificate_chain_file: %v, want the fake's Untrusted signing certificate", err)
	}

	cfg := e.config(certFile, keyFile)
	cfg.RolesAnywhere.CertificateChainFile = chainFile
	cfg.RolesAnywhere.SessionDuration = 2 * time.Hour
	cfg.RolesAnywhere.SessionName = "edge-7-nightly"
	ch, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := ch.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	calls := e.ra.Calls()
	last := calls[len(calls)-1]
	if last.Err != "" || last.ChainCerts != 1 || last.Duration != 7200 || last.SessionName != "edge-7-nightly" {
		t.Fatalf("CreateSession %+v: want the chain's one certificate, durationSeconds 7200, roleSessionName edge-7-nightly", last)
	}
	if left := time.Until(creds.Expires); left < 119*time.Minute || left > 121*time.Minute {
		t.Errorf("credentials expire in %s, want session_duration's 2h", left)
	}
	issued, ok := e.sts.Keys.Lookup(creds.AccessKeyID)
	if !ok || issued.ARN != "arn:aws:sts::111122223333:assumed-role/edge-telemetry/edge-7-nightly" {
		t.Errorf("session %+v, want the one named edge-7-nightly", issued)
	}
}

// The fake holds the rules the Roles Anywhere user guide sets on end
// entity certificates (trust model, "Signature verification"): basic
// constraints CA: false, key usage with Digital Signature; and it requires
// X-Amz-X509-Chain among the signed headers when the chain is sent. The
// guide sets no rule on extended key usage, so the fake takes any. Break
// caught (tried once, not committed): the chain header added after signing
// passed every Roles Anywhere test before the fake required it signed.
func TestFakeRolesAnywhereHoldsTheCertificateRules(t *testing.T) {
	e := newRAEnv(t)
	key := pki.NewKey(pki.ECDSAP256)
	valid := func(cn string, edit func(*x509.Certificate)) *x509.Certificate {
		return e.ca.IssueWith(cn, key, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), edit)
	}
	for _, c := range []struct {
		name      string
		leaf      *x509.Certificate
		transport func(http.RoundTripper) http.RoundTripper
		want      string // empty: issued
	}{
		{"a CA as the leaf", valid("edge-ca", func(c *x509.Certificate) { c.IsCA, c.KeyUsage = true, c.KeyUsage|x509.KeyUsageCertSign }), nil, "basic constraints must include CA: false"},
		{"no basic constraints", valid("edge-nobc", func(c *x509.Certificate) { c.BasicConstraintsValid = false }), nil, "basic constraints must include CA: false"},
		{"no digital signature", valid("edge-ke", func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyAgreement }), nil, "key usage must include Digital Signature"},
		{"server auth only", valid("edge-srv", func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }), nil, ""},
		{"no extended key usage", valid("edge-noeku", func(c *x509.Certificate) { c.ExtKeyUsage = nil }), nil, ""},
		{"a chain added after signing", valid("edge-7", nil), addHeader("X-Amz-X509-Chain", base64.StdEncoding.EncodeToString(e.ca.Cert.Raw)), "x-amz-x509-chain must be a signed header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			certFile, keyFile := e.write(t, strings.ReplaceAll(c.name, " ", "-"), pki.CertPEM(c.leaf), pki.KeyPEM(key, "PKCS8"))
			cfg := e.config(certFile, keyFile)
			if c.transport != nil {
				cfg.HTTPClient = &http.Client{Transport: c.transport(http.DefaultTransport), Timeout: 10 * time.Second}
			}
			ch, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ch.Retrieve(context.Background())
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want AccessDenied saying %q", err, c.want)
			}
		})
	}
}

// addHeader sets a header on each request after it was signed.
func addHeader(name, value string) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set(name, value)
			return next.RoundTrip(r)
		})
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A block's argument error names the block once.
func TestRolesAnywhereErrorNamesTheBlockOnce(t *testing.T) {
	e := newRAEnv(t)
	key := pki.NewKey(pki.ECDSAP256)
	certFile, keyFile := e.write(t, "edge", pki.CertPEM(issueValid(e.ca, "edge-7", key)), pki.KeyPEM(key, "PKCS8"))
	cfg := e.config(certFile, keyFile)
	cfg.RolesAnywhere.CertificateChainFile = filepath.Join(e.dir, "missing.pem")
	ch, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Retrieve(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "roles_anywhere: certificate_chain_file: ") || strings.Count(err.Error(), "roles_anywhere:") != 1 {
		t.Fatalf("error %q, want roles_anywhere: certificate_chain_file: … once", err)
	}
}
