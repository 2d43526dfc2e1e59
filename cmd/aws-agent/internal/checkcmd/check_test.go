package checkcmd

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

const (
	keyID   = "AKIAIOSFODNN7EXAMPLE"
	secret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	userARN = "arn:aws:iam::111122223333:user/agent"
	role    = "arn:aws:iam::444455556666:role/telemetry-writer"
)

func setup(t *testing.T) (*fakeaws.STS, string) {
	t.Helper()
	awsauthtest.IsolateEnv(t)
	keys := awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: keyID, SecretAccessKey: secret, ARN: userARN, Account: "111122223333"})
	sts := &fakeaws.STS{Keys: keys}
	sts.RequireExternalID(role, "tenant-42")
	srv := httptest.NewServer(sts)
	t.Cleanup(srv.Close)
	return sts, srv.URL
}

func runCheck(t *testing.T, config string, args ...string) (string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.river")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := Run(append([]string{"--config", file}, args...), &out, &errOut)
	return out.String(), err
}

func config(stsURL, extra string) string {
	return fmt.Sprintf(`
aws.auth "amp" {
	region            = "us-east-1"
	access_key_id     = %q
	secret_access_key = %q
	sts_endpoint      = %q
	%s
}

prometheus.remote_write "x" {
	endpoint { url = aws.auth.amp.gateway_url + "/h/p" }
}
`, keyID, secret, stsURL, extra)
}

func TestCheckSuccessPrintsTheIdentity(t *testing.T) {
	_, stsURL := setup(t)
	out, err := runCheck(t, config(stsURL, fmt.Sprintf("role_arn = %q\nexternal_id = \"tenant-42\"", role)), "--component", "aws.auth.amp")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"aws.auth.amp", "region:     us-east-1", "source:     static, then AssumeRole " + role,
		"access key: ASIA", "expires:", "identity:   arn:aws:sts::444455556666:assumed-role/telemetry-writer/", "OK"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Fatal("the secret is printed")
	}
}

func TestCheckFailuresAreDiagnosed(t *testing.T) {
	sts, stsURL := setup(t)
	cases := []struct{ name, config, want string }{
		{"no credentials", `aws.auth "amp" { region = "us-east-1" }`, "NoCredentialProviders: no credential source is configured or reachable:\n    static:       access_key_id is not set (or is empty: env() of an unset variable gives \"\")\n    environment:  AWS_ACCESS_KEY_ID is not set"},
		{"no credentials: the next step", `aws.auth "amp" { region = "us-east-1" }`, "\n  next: give the agent an identity (IRSA or EKS Pod Identity on EKS"},
		{"bad external id", config(stsURL, fmt.Sprintf("role_arn = %q\nexternal_id = \"tenant-43\"", role)), "sts:AssumeRole: AccessDenied: User: " + userARN + " is not authorized to perform: sts:AssumeRole on resource: " + role},
		{"bad argument", "aws.auth \"amp\" {\n region = \"us-east-1\"\n external_id = \"x-1\"\n}", "external_id: requires role_arn"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := runCheck(t, c.config)
			if err != errFailed || !strings.Contains(out, "FAILED: ") || !strings.Contains(out, c.want) {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
	// STS refusing AssumeRole altogether.
	sts.Fail("AssumeRole", &awsauthtest.Error{Status: 403, Code: "AccessDenied"})
	out, err := runCheck(t, config(stsURL, fmt.Sprintf("role_arn = %q\nexternal_id = \"tenant-42\"", role)))
	if err != errFailed || !strings.Contains(out, "AccessDenied: User: "+userARN+" is not authorized to perform: sts:AssumeRole") || !strings.Contains(out, `add to the identity policy of `+userARN+`: {"Effect":"Allow","Action":"sts:AssumeRole"`) {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := runCheck(t, config(stsURL, ""), "--component", "aws.auth.other"); err == nil || !strings.Contains(err.Error(), "no aws.auth.other in") {
		t.Fatalf("%v", err)
	}
}

// With Roles Anywhere, check names the certificate and warns when it has
// less than seven days left: 6d23h warns, 7d1h does not (caught:
// RenewWithin set to 20 days, or to 6 days).
func TestCheckWarnsOfAnExpiringCertificate(t *testing.T) {
	sts, stsURL := setup(t)
	ca := pki.NewCA("Example Corp Root CA")
	ra := pki.NewRolesAnywhere(sts.Keys, ca, "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta",
		"arn:aws:rolesanywhere:us-east-1:111122223333:profile/p", "arn:aws:iam::111122223333:role/edge")
	raSrv := httptest.NewServer(ra)
	defer raSrv.Close()
	t.Setenv("AWS_ENDPOINT_URL_STS", stsURL)
	dir := t.TempDir()
	for left, want := range map[time.Duration]bool{6*24*time.Hour + 23*time.Hour: true, 7*24*time.Hour + time.Hour: false} {
		_, certFile, keyFile, err := ca.WriteLeaf(dir, "edge-7", time.Now().Add(left))
		if err != nil {
			t.Fatal(err)
		}
		out, err := runCheck(t, fmt.Sprintf(`
aws.auth "edge" {
	roles_anywhere {
		trust_anchor_arn = %q
		profile_arn      = %q
		role_arn         = "arn:aws:iam::111122223333:role/edge"
		certificate_file = %q
		private_key_file = %q
		endpoint         = %q
	}
}
`, ra.TrustAnchorARN, ra.ProfileARN, certFile, keyFile, raSrv.URL))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !strings.Contains(out, "source:     roles_anywhere (certificate CN=edge-7") || !strings.Contains(out, "OK") {
			t.Errorf("%s left: output\n%s", left, out)
		}
		if got := strings.Contains(out, "WARNING:    the certificate expires in"); got != want {
			t.Errorf("%s left: warning %v, want %v:\n%s", left, got, want, out)
		}
	}
}

// With a web identity, check prints the token's sub and aud, says what
// the trust policy must require, and warns of an audience STS refuses.
func TestCheckPrintsTheTokensClaims(t *testing.T) {
	_, stsURL := setup(t)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	token := filepath.Join(t.TempDir(), "token")
	payload := `{"iss":"https://oidc.eks.us-east-1.amazonaws.com/id/ABC","sub":"system:serviceaccount:monitoring:aws-agent","aud":"https://kubernetes.default.svc"}`
	if err := os.WriteFile(token, []byte(enc(`{"alg":"RS256"}`)+"."+enc(payload)+".c2ln"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
aws.auth "irsa" {
	region                  = "us-east-1"
	web_identity_token_file = %q
	role_arn                = %q
	sts_endpoint            = %q
}
`, token, role, stsURL)
	out, _ := runCheck(t, cfg)
	for _, want := range []string{
		"token:      sub system:serviceaccount:monitoring:aws-agent, aud https://kubernetes.default.svc, iss https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
		`WARNING:    aud is "https://kubernetes.default.svc", not sts.amazonaws.com`,
		"aws-agent policy --trust irsa --oidc-provider oidc.eks.us-east-1.amazonaws.com/id/ABC --namespace monitoring --service-account aws-agent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "c2ln") || strings.Contains(out, enc(payload)) {
		t.Errorf("the token is printed:\n%s", out)
	}
}

// Expired material fails check, saying when and what to do: credentials a
// source hands out already expired (a credential_process whose
// Expiration was in 2020 printed "OK … (in -60705h27m34s)"), and a web
// identity token whose exp has passed (it was not looked at).
func TestCheckRefusesExpiredMaterial(t *testing.T) {
	_, stsURL := setup(t)
	dir := t.TempDir()
	helper := filepath.Join(dir, "helper.sh")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"AKIAEXPIREDEXAMPLE01\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\",\"Expiration\":\"2020-01-01T00:00:00Z\"}'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	awsConfig := filepath.Join(dir, "config")
	if err := os.WriteFile(awsConfig, []byte("[profile old]\ncredential_process = "+helper+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCheck(t, fmt.Sprintf("aws.auth \"old\" {\n\tregion = \"us-east-1\"\n\tprofile = \"old\"\n\tshared_config_file = %q\n}\n", awsConfig))
	if err != errFailed || !strings.Contains(out, "FAILED: ExpiredToken: the credentials from") || !strings.Contains(out, "expired at 2020-01-01T00:00:00Z") || strings.Contains(out, "OK") {
		t.Fatalf("expired credentials: %v\n%s", err, out)
	}

	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	token := filepath.Join(dir, "token")
	payload := `{"iss":"https://oidc.eks.us-east-1.amazonaws.com/id/ABC","sub":"system:serviceaccount:monitoring:aws-agent","aud":"sts.amazonaws.com","exp":1577836800}`
	if err := os.WriteFile(token, []byte(enc(`{"alg":"RS256"}`)+"."+enc(payload)+".c2ln"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = runCheck(t, fmt.Sprintf("aws.auth \"irsa\" {\n\tregion = \"us-east-1\"\n\tweb_identity_token_file = %q\n\trole_arn = %q\n\tsts_endpoint = %q\n}\n", token, role, stsURL))
	if err != errFailed || !strings.Contains(out, "FAILED: ExpiredTokenException: the web identity token in "+token+" expired at 2020-01-01T00:00:00Z") {
		t.Fatalf("an expired token: %v\n%s", err, out)
	}
}
