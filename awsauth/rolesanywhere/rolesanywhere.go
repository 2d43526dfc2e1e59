package rolesanywhere

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// Source names credentials from IAM Roles Anywhere.
const Source = "roles_anywhere"

// DefaultDuration is how long Roles Anywhere sessions last
// unless session_duration says otherwise (the service's own default).
const DefaultDuration = time.Hour

// Config says which certificate to exchange, for which role, through
// which trust anchor and profile.
type Config struct {
	TrustAnchorARN string
	ProfileARN     string
	RoleARN        string
	// CertificateFile holds the PEM leaf, optionally followed by its
	// chain; CertificateChainFile the chain, if kept apart. Both and the
	// key are read on every refresh, so a rotated certificate is used
	// without a restart.
	CertificateFile      string
	CertificateChainFile string
	// PrivateKeyFile holds the PEM key: PKCS #8, PKCS #1 (RSA) or SEC1 (EC).
	PrivateKeyFile string
	// SessionDuration: 15m to 12h; default 1h.
	SessionDuration time.Duration
	// Region defaults to the Config's, else the trust anchor ARN's.
	Region string
	// Endpoint defaults to AWS_ENDPOINT_URL_ROLESANYWHERE or AWS_ENDPOINT_URL
	// (as the SDKs read them), else https://rolesanywhere.REGION.amazonaws.com
	// (rolesanywhere-fips with use_fips_endpoint).
	Endpoint    string
	SessionName string
}

var (
	trustAnchorPattern = regexp.MustCompile(`^arn:aws[a-z-]*:rolesanywhere:([a-z0-9-]+):\d{12}:trust-anchor/[\w-]+$`)
	profilePattern     = regexp.MustCompile(`^arn:aws[a-z-]*:rolesanywhere:[a-z0-9-]+:\d{12}:profile/[\w-]+$`)
)

// Validate checks the block without reading its files. Each error names
// the argument (roles_anywhere: NAME) and what is wrong with its value.
func (ra *Config) Validate() []error {
	var errs []error
	add := func(name, format string, args ...any) {
		errs = append(errs, fieldErrorf(name, format, args...))
	}
	if !trustAnchorPattern.MatchString(ra.TrustAnchorARN) {
		add("trust_anchor_arn", "%q is not a Roles Anywhere trust anchor ARN (like arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ID)", ra.TrustAnchorARN)
	}
	if !profilePattern.MatchString(ra.ProfileARN) {
		add("profile_arn", "%q is not a Roles Anywhere profile ARN (like arn:aws:rolesanywhere:us-east-1:123456789012:profile/ID)", ra.ProfileARN)
	}
	if !field.IsRoleARN(ra.RoleARN) {
		errs = append(errs, field.BadRoleARN("role_arn", ra.RoleARN).In(riverBlock))
	}
	if ra.CertificateFile == "" {
		add("certificate_file", "must be set")
	}
	if ra.PrivateKeyFile == "" {
		add("private_key_file", "must be set")
	}
	if d := ra.SessionDuration; d != 0 && (d < 15*time.Minute || d > 12*time.Hour) {
		add("session_duration", "%s is outside the range Roles Anywhere allows (15m to 12h)", d)
	}
	if ra.Region != "" && !scope.IsRegion(ra.Region) {
		errs = append(errs, field.BadRegion("region", ra.Region).In(riverBlock))
	}
	if ra.SessionName != "" && !field.IsSessionName(ra.SessionName) {
		errs = append(errs, field.BadSessionName("session_name", ra.SessionName).In(riverBlock))
	}
	return errs
}

// AnchorRegion is the region in the trust anchor's ARN.
func (ra *Config) AnchorRegion() string {
	if m := trustAnchorPattern.FindStringSubmatch(ra.TrustAnchorARN); m != nil {
		return m[1]
	}
	return ""
}

// Provider is an aws.CredentialsProvider that calls CreateSession with
// the certificate on every Retrieve; wrap it in a cache.Cache.
type Provider struct {
	ra               *Config
	region, endpoint string
	client           *http.Client
	seen             atomic.Pointer[CertificateInfo]
}

// Options are what a Provider takes from outside its block.
type Options struct {
	// Region is used when the block names none; without either, the
	// trust anchor's region is.
	Region string
	// Endpoint is used when the block names none (the chain passes
	// AWS_ENDPOINT_URL_ROLESANYWHERE or AWS_ENDPOINT_URL); without either,
	// the regional endpoint is.
	Endpoint        string
	UseFIPSEndpoint bool
	HTTPClient      *http.Client
}

// New returns a Provider for cfg.
func New(cfg *Config, o Options) *Provider {
	p := &Provider{ra: cfg, region: cfg.Region, endpoint: cfg.Endpoint, client: o.HTTPClient}
	if p.region == "" {
		p.region = o.Region
	}
	if p.region == "" {
		p.region = cfg.AnchorRegion()
	}
	if p.endpoint == "" {
		p.endpoint = o.Endpoint
	}
	if p.endpoint == "" {
		host := "rolesanywhere."
		if o.UseFIPSEndpoint {
			host = "rolesanywhere-fips."
		}
		p.endpoint = "https://" + host + p.region + ".amazonaws.com"
	}
	return p
}

// CertificateInfo is what health and debug info show of the certificate
// in use: never the key.
type CertificateInfo struct {
	Subject, Serial, Issuer string
	NotAfter                time.Time
}

// RenewWithin is how long before its end a certificate is reported as due
// for renewal: by health, and by aws-agent check.
const RenewWithin = 7 * 24 * time.Hour

// DueForRenewal tells whether the certificate ends within RenewWithin of
// now, or has ended.
func (c *CertificateInfo) DueForRenewal(now time.Time) bool {
	return c.NotAfter.Sub(now) < RenewWithin
}

// Certificate is the certificate the last Retrieve read, nil before one.
func (p *Provider) Certificate() *CertificateInfo { return p.seen.Load() }

// Retrieve reads the certificate and key, checks them, and calls
// CreateSession signed with them.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	cert, err := p.ra.load(time.Now())
	if err != nil {
		return aws.Credentials{}, err
	}
	p.seen.Store(&CertificateInfo{Subject: cert.Leaf.Subject.String(), Serial: cert.Leaf.SerialNumber.String(), Issuer: cert.Leaf.Issuer.String(), NotAfter: cert.Leaf.NotAfter})
	answer, err := p.createSession(ctx, cert)
	if err != nil {
		return aws.Credentials{}, err
	}
	creds, err := parseCredentialSet(answer)
	if err != nil {
		return aws.Credentials{}, err
	}
	// The source names the certificate, never the key: health and debug
	// info show which certificate the agent runs on, and until when.
	creds.Source = fmt.Sprintf("%s (certificate %s, serial %s, issuer %s, valid until %s)", Source,
		cert.Leaf.Subject, cert.Leaf.SerialNumber, cert.Leaf.Issuer, cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	return creds, nil
}

// createSession calls CreateSession signed with cert and returns AWS's
// answer, or its refusal in its own words.
func (p *Provider) createSession(ctx context.Context, cert sigv4.Certificate) ([]byte, error) {
	duration := p.ra.SessionDuration
	if duration == 0 {
		duration = DefaultDuration
	}
	body, err := json.Marshal(map[string]any{
		"durationSeconds": int(duration / time.Second),
		"profileArn":      p.ra.ProfileARN,
		"roleArn":         p.ra.RoleARN,
		"trustAnchorArn":  p.ra.TrustAnchorARN,
		"roleSessionName": p.ra.SessionName,
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(p.endpoint, "/")+"/sessions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if _, err := sigv4.SignX509(req, cert, sigv4.SigningParams{Region: p.region, Service: "rolesanywhere", Time: time.Now(), PayloadHash: hex.EncodeToString(sum[:])}); err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rolesanywhere:CreateSession: request send failed: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("rolesanywhere:CreateSession: reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		if e, ok := classify.ParseAPIError(resp.StatusCode, resp.Header, answer); ok {
			return nil, &createSessionError{e}
		}
		return nil, fmt.Errorf("rolesanywhere:CreateSession: HTTP %d", resp.StatusCode)
	}
	return answer, nil
}

// parseCredentialSet reads the first credentials of CreateSession's
// answer.
func parseCredentialSet(answer []byte) (aws.Credentials, error) {
	var out struct {
		CredentialSet []struct {
			Credentials struct {
				AccessKeyID     string `json:"accessKeyId"`
				SecretAccessKey string `json:"secretAccessKey"`
				SessionToken    string `json:"sessionToken"`
				Expiration      string `json:"expiration"`
			} `json:"credentials"`
		} `json:"credentialSet"`
	}
	if err := json.Unmarshal(answer, &out); err != nil || len(out.CredentialSet) == 0 {
		return aws.Credentials{}, fmt.Errorf("rolesanywhere:CreateSession: an answer without credentials")
	}
	c := out.CredentialSet[0].Credentials
	expires, err := time.Parse(time.RFC3339, c.Expiration)
	if err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("rolesanywhere:CreateSession: an answer without valid credentials")
	}
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: true, Expires: expires}, nil
}

// createSessionError is AWS's answer to CreateSession, in its own words.
type createSessionError struct{ *classify.APIError }

func (e *createSessionError) Error() string {
	return "rolesanywhere:CreateSession: " + e.Code + ": " + e.Message
}
func (e *createSessionError) Unwrap() error { return e.APIError }

// load reads the certificate, its chain and the key, and checks that the
// key is the certificate's and the certificate is valid at now: a
// certificate out of its validity is reported before any call.
func (ra *Config) load(now time.Time) (sigv4.Certificate, error) {
	certs, err := readCertificates("certificate_file", ra.CertificateFile)
	if err != nil {
		return sigv4.Certificate{}, err
	}
	leaf, chain := certs[0], certs[1:]
	if ra.CertificateChainFile != "" {
		more, err := readCertificates("certificate_chain_file", ra.CertificateChainFile)
		if err != nil {
			return sigv4.Certificate{}, err
		}
		chain = append(chain, more...)
	}
	key, err := readPrivateKey(ra.PrivateKeyFile)
	if err != nil {
		return sigv4.Certificate{}, err
	}
	if !publicKeysEqual(key.Public(), leaf.PublicKey) {
		return sigv4.Certificate{}, fieldErrorf("private_key_file", "the key is not the one of certificate %s (serial %s)", leaf.Subject, leaf.SerialNumber)
	}
	switch {
	case now.Before(leaf.NotBefore):
		return sigv4.Certificate{}, fieldErrorf("certificate_file", "certificate %s (serial %s) is not valid before %s", leaf.Subject, leaf.SerialNumber, leaf.NotBefore.UTC().Format(time.RFC3339))
	case now.After(leaf.NotAfter):
		return sigv4.Certificate{}, fieldErrorf("certificate_file", "certificate %s (serial %s) expired at %s", leaf.Subject, leaf.SerialNumber, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return sigv4.Certificate{Leaf: leaf, Chain: chain, Key: key}, nil
}

func readCertificates(arg, path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fieldErrorf(arg, "%v", field.Path(err))
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fieldErrorf(arg, "%s: %v", path, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fieldErrorf(arg, "%s holds no PEM CERTIFICATE", path)
	}
	return certs, nil
}

// readPrivateKey reads a PEM key. Its errors never quote the file.
func readPrivateKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fieldErrorf("private_key_file", "%v", field.Path(err))
	}
	return parsePrivateKey(path, b)
}

// parsePrivateKey parses a PEM key read from path. Its errors name the
// path and the PEM type, never the contents.
func parsePrivateKey(path string, b []byte) (crypto.Signer, error) {
	const arg = "private_key_file"
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fieldErrorf(arg, "%s holds no PEM private key", path)
	}
	if strings.Contains(block.Type, "ENCRYPTED") || block.Headers["Proc-Type"] != "" {
		return nil, fieldErrorf(arg, "%s is encrypted, which aws.auth does not decrypt: store it unencrypted with permissions only the agent can read (openssl pkey -in KEY -out KEY.plain)", path)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fieldErrorf(arg, "%s holds a PEM %q, not a private key (PKCS #8, PKCS #1 or SEC1)", path, block.Type)
	}
	if err != nil {
		return nil, fieldErrorf(arg, "%s: not a valid %s", path, block.Type)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if n := k.N.BitLen(); n < 2048 || n > 4096 {
			return nil, fieldErrorf(arg, "an RSA key of %d bits: Roles Anywhere takes 2048 to 4096", n)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if name := k.Curve.Params().Name; name != "P-256" && name != "P-384" {
			return nil, fieldErrorf(arg, "an EC key on %s: Roles Anywhere takes P-256 and P-384", name)
		}
		return k, nil
	}
	return nil, fieldErrorf(arg, "a %T key: Roles Anywhere takes RSA and ECDSA keys", key)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// block is the River block the arguments are in.
const riverBlock = "roles_anywhere"

// fieldErrorf names the argument in the block: "roles_anywhere: NAME: …".
func fieldErrorf(name, format string, args ...any) error {
	return field.Errorf(name, format, args...).In(riverBlock)
}
