package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
)

// RolesAnywhere is a fake IAM Roles Anywhere CreateSession endpoint. It
// verifies the X.509 signature as the user guide describes it ("The IAM
// Roles Anywhere authentication signing process"), with the verifier's own
// canonicalization and the standard library — never the signer — checks
// the certificate's chain against the trust anchor, and issues session
// credentials from Keys for the role.
type RolesAnywhere struct {
	Keys *sigv4verify.Keyring
	// TrustAnchor is the CA of the trust anchor TrustAnchorARN names.
	TrustAnchor    *x509.Certificate
	TrustAnchorARN string
	ProfileARN     string
	// Roles are the roles the profile may assume.
	Roles []string
	// Region the endpoint signs for; default us-east-1.
	Region string
	// Now, when set, is the endpoint's clock.
	Now func() time.Time

	mu     sync.Mutex
	calls  []RolesAnywhereCall
	issued map[string]bool // access key ids of the sessions issued
}

// NewRolesAnywhere is a fake whose trust anchor trustAnchorARN holds ca,
// whose profile profileARN lets role be assumed, and which signs for the
// trust anchor's region.
func NewRolesAnywhere(keys *sigv4verify.Keyring, ca *CA, trustAnchorARN, profileARN, role string) *RolesAnywhere {
	region := "us-east-1"
	if parts := strings.Split(trustAnchorARN, ":"); len(parts) > 3 {
		region = parts[3]
	}
	return &RolesAnywhere{Keys: keys, TrustAnchor: ca.Cert, TrustAnchorARN: trustAnchorARN, ProfileARN: profileARN, Roles: []string{role}, Region: region}
}

// RolesAnywhereCall is one CreateSession as received.
type RolesAnywhereCall struct {
	At       time.Time
	Serial   string // of the signing certificate, decimal
	Subject  string
	RoleARN  string
	Duration int
	// SessionName is the roleSessionName asked for, empty for none.
	SessionName string
	Algorithm   string
	ChainCerts  int
	// Err is the error code answered, empty for issued credentials.
	Err string
}

// Calls returns the CreateSession calls so far.
func (ra *RolesAnywhere) Calls() []RolesAnywhereCall {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return append([]RolesAnywhereCall(nil), ra.calls...)
}

// Issued tells whether accessKeyID is of a session this endpoint issued:
// for receivers that must accept only Roles Anywhere's sessions.
func (ra *RolesAnywhere) Issued(accessKeyID string) bool {
	ra.mu.Lock()
	defer ra.mu.Unlock()
	return ra.issued[accessKeyID]
}

func (ra *RolesAnywhere) now() time.Time {
	if ra.Now != nil {
		return ra.Now()
	}
	return time.Now()
}

type raError struct {
	status int
	code   string
	msg    string
}

func (ra *RolesAnywhere) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := RolesAnywhereCall{At: ra.now()}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	resp, e := ra.createSession(r, body, &call)
	if e != nil {
		call.Err = e.code
	}
	ra.mu.Lock()
	ra.calls = append(ra.calls, call)
	ra.mu.Unlock()
	if e != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": e.msg})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(resp)
}

func denied(msg string) *raError { return &raError{http.StatusForbidden, "AccessDeniedException", msg} }

// createSession answers as CreateSession does: the request's signature
// scheme, the certificate against the trust anchor, the signature, then
// what the body asks for.
func (ra *RolesAnywhere) createSession(r *http.Request, body []byte, call *RolesAnywhereCall) (any, *raError) {
	if r.Method != http.MethodPost || r.URL.Path != "/sessions" {
		return nil, &raError{http.StatusNotFound, "ResourceNotFoundException", "no such resource"}
	}
	auth, e := ra.parseAuthorization(r)
	if e != nil {
		return nil, e
	}
	call.Algorithm = auth.alg
	leaf, e := ra.certificate(r, auth, call)
	if e != nil {
		return nil, e
	}
	if e := ra.checkSignature(r, body, auth, leaf); e != nil {
		return nil, e
	}
	in, e := ra.sessionRequest(body, call)
	if e != nil {
		return nil, e
	}
	return ra.issue(in, leaf, auth.scope[2]), nil
}

// authorization is the request's Authorization header, read.
type authorization struct {
	alg   string
	parts map[string]string // Credential, SignedHeaders, Signature
	scope []string          // SERIAL, DATE, REGION, rolesanywhere, aws4_request
}

func (ra *RolesAnywhere) parseAuthorization(r *http.Request) (authorization, *raError) {
	alg, fields, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || (alg != "AWS4-X509-RSA-SHA256" && alg != "AWS4-X509-ECDSA-SHA256") {
		return authorization{}, denied("Authorization: unknown algorithm")
	}
	a := authorization{alg: alg, parts: map[string]string{}}
	for _, f := range strings.Split(fields, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(f), "="); ok {
			a.parts[k] = v
		}
	}
	a.scope = strings.Split(a.parts["Credential"], "/")
	if len(a.scope) != 5 || a.scope[3] != "rolesanywhere" || a.scope[4] != "aws4_request" {
		return a, denied("Credential scope is not SERIAL/DATE/REGION/rolesanywhere/aws4_request")
	}
	region := ra.Region
	if region == "" {
		region = "us-east-1"
	}
	if a.scope[2] != region {
		return a, denied(fmt.Sprintf("Credential should be scoped to a valid region, not %q", a.scope[2]))
	}
	return a, nil
}

// certificate is the request's own certificate, with its chain, verified
// against the trust anchor.
func (ra *RolesAnywhere) certificate(r *http.Request, auth authorization, call *RolesAnywhereCall) (*x509.Certificate, *raError) {
	der, err := base64.StdEncoding.DecodeString(r.Header.Get("X-Amz-X509"))
	if err != nil {
		return nil, denied("X-Amz-X509 is not base64 DER")
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, denied("X-Amz-X509 is not a certificate")
	}
	call.Serial, call.Subject = leaf.SerialNumber.String(), leaf.Subject.String()
	if auth.scope[0] != leaf.SerialNumber.String() {
		return nil, denied("the Credential's serial number is not the certificate's")
	}
	intermediates := x509.NewCertPool()
	if chain := r.Header.Get("X-Amz-X509-Chain"); chain != "" {
		for _, c := range strings.Split(chain, ",") {
			der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c))
			if err != nil {
				return nil, denied("X-Amz-X509-Chain is not base64 DER")
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, denied("X-Amz-X509-Chain holds something that is not a certificate")
			}
			intermediates.AddCert(cert)
			call.ChainCerts++
		}
	}
	if problem := endEntityProblem(leaf); problem != "" {
		return nil, denied("Untrusted signing certificate: " + problem)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ra.TrustAnchor)
	// The user guide names no extended key usage: any, or none, is taken.
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, CurrentTime: ra.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, denied("Untrusted signing certificate: " + err.Error())
	}
	return leaf, nil
}

// checkSignature checks the signature over SigV4's canonical request. The
// certificate headers must be signed: an unsigned chain could be swapped
// in transit.
func (ra *RolesAnywhere) checkSignature(r *http.Request, body []byte, auth authorization, leaf *x509.Certificate) *raError {
	alg, parts, scope := auth.alg, auth.parts, auth.scope
	signed := strings.Split(parts["SignedHeaders"], ";")
	required := []string{"host", "x-amz-date", "x-amz-x509"}
	if r.Header.Get("X-Amz-X509-Chain") != "" {
		required = append(required, "x-amz-x509-chain")
	}
	for _, h := range required {
		if !slices.Contains(signed, h) {
			return denied(h + " must be a signed header")
		}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	at, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || at.Format("20060102") != scope[1] {
		return denied("X-Amz-Date is missing or does not match the Credential's date")
	}
	if d := ra.now().Sub(at); d > 5*time.Minute || d < -5*time.Minute {
		return denied("Signature expired")
	}
	payload := sha256.Sum256(body)
	canonical := (&sigv4verify.Verifier{}).CanonicalRequest(r, signed, hex.EncodeToString(payload[:]))
	crHash := sha256.Sum256([]byte(canonical))
	stringToSign := alg + "\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(crHash[:])
	digest := sha256.Sum256([]byte(stringToSign))
	sig, err := hex.DecodeString(parts["Signature"])
	if err != nil {
		return denied("Signature is not hex")
	}
	switch pub := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if alg != "AWS4-X509-RSA-SHA256" || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
			return denied("Signature validation failed")
		}
	case *ecdsa.PublicKey:
		if alg != "AWS4-X509-ECDSA-SHA256" || !ecdsa.VerifyASN1(pub, digest[:], sig) {
			return denied("Signature validation failed")
		}
	default:
		return denied("unsupported key")
	}

	return nil
}

// sessionRequest is what the body asks for, if the profile allows it.
type sessionRequest struct {
	DurationSeconds int    `json:"durationSeconds"`
	ProfileArn      string `json:"profileArn"`
	RoleArn         string `json:"roleArn"`
	TrustAnchorArn  string `json:"trustAnchorArn"`
	RoleSessionName string `json:"roleSessionName"`
}

func (ra *RolesAnywhere) sessionRequest(body []byte, call *RolesAnywhereCall) (sessionRequest, *raError) {
	var in sessionRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return in, &raError{http.StatusBadRequest, "ValidationException", "the body is not JSON"}
	}
	call.RoleARN, call.Duration, call.SessionName = in.RoleArn, in.DurationSeconds, in.RoleSessionName
	if in.TrustAnchorArn != ra.TrustAnchorARN {
		return in, denied("Unknown trust anchor " + in.TrustAnchorArn)
	}
	if in.ProfileArn != ra.ProfileARN {
		return in, denied("Unknown profile " + in.ProfileArn)
	}
	if !slices.Contains(ra.Roles, in.RoleArn) {
		return in, denied("The profile does not allow role " + in.RoleArn)
	}
	if in.DurationSeconds < 900 || in.DurationSeconds > 43200 {
		return in, &raError{http.StatusBadRequest, "ValidationException", "durationSeconds must be between 900 and 43200"}
	}

	return in, nil
}

// issue issues the session's credentials, keyed for the fakes that accept
// only Roles Anywhere's sessions.
func (ra *RolesAnywhere) issue(in sessionRequest, leaf *x509.Certificate, region string) any {
	name := in.RoleArn[strings.LastIndex(in.RoleArn, "/")+1:]
	account := strings.Split(in.RoleArn, ":")[4]
	session := in.RoleSessionName
	if session == "" {
		session = leaf.SerialNumber.Text(16)
	}
	arn := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, name, session)
	key := ra.Keys.Issue(arn, account, "AROA"+sigv4verify.RandomID(17)+":"+session, time.Duration(in.DurationSeconds)*time.Second)
	ra.mu.Lock()
	if ra.issued == nil {
		ra.issued = map[string]bool{}
	}
	ra.issued[key.AccessKeyID] = true
	ra.mu.Unlock()
	type credentials struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
		Expiration      string `json:"expiration"`
	}
	return map[string]any{
		"subjectArn": "arn:aws:rolesanywhere:" + region + ":" + account + ":subject/" + sigv4verify.RandomID(8),
		"credentialSet": []map[string]any{{
			"assumedRoleUser": map[string]string{"arn": arn},
			"credentials":     credentials{key.AccessKeyID, key.SecretAccessKey, key.SessionToken, key.Expires.UTC().Format(time.RFC3339)},
			"roleArn":         in.RoleArn,
			"sourceIdentity":  "CN=" + leaf.Subject.CommonName,
		}},
	}
}

// endEntityProblem checks the constraints the trust model's "Signature
// verification" section of the IAM Roles Anywhere user guide sets on end
// entity certificates: X.509v3, basic constraints with CA: false, key usage
// including Digital Signature, and a signature algorithm of SHA256 or
// stronger (MD5 and SHA1 rejected). It documents none on extended key usage.
func endEntityProblem(c *x509.Certificate) string {
	switch {
	case c.Version != 3:
		return fmt.Sprintf("the certificate is X.509v%d, not v3", c.Version)
	case !c.BasicConstraintsValid || c.IsCA:
		return "the certificate's basic constraints must include CA: false"
	case c.KeyUsage&x509.KeyUsageDigitalSignature == 0:
		return "the certificate's key usage must include Digital Signature"
	}
	switch c.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return "the certificate is signed with " + c.SignatureAlgorithm.String() + ": SHA256 or stronger is required"
	}
	return ""
}
