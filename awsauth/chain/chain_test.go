package chain

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/source"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

func retrieve(t *testing.T, cfg Config) (string, error) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		return "", err
	}
	creds, err := c.Retrieve(context.Background())
	return creds.Source + "|" + creds.AccessKeyID, err
}

func TestStaticSource(t *testing.T) {
	isolateEnv(t)
	got, err := retrieve(t, Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret})
	if err != nil || got != "static|"+awsauthtest.UserKeyID {
		t.Fatalf("%s %v", got, err)
	}
}

func TestEnvironmentSource(t *testing.T) {
	isolateEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", awsauthtest.UserKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsauthtest.UserSecret)
	t.Setenv("AWS_SESSION_TOKEN", "env-token")
	t.Setenv("AWS_REGION", "eu-west-1")
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.Retrieve(context.Background())
	if err != nil || creds.Source != source.Environment || creds.SessionToken != "env-token" || c.Region() != "eu-west-1" {
		t.Fatalf("%+v %v region %s", creds.Source, err, c.Region())
	}
}

// role_arn equal to IRSA's AWS_ROLE_ARN — the role assuming itself — is a
// clear error naming both, before any STS call, not STS's opaque
// AccessDenied (#25 item 3).
func TestWebIdentityRoleAssumingItselfIsAClearError(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeFile(t, "oidc-token-1\n"))
	t.Setenv("AWS_ROLE_ARN", awsauthtest.RoleARN)
	c, err := New(Config{Region: "us-east-1", STSEndpoint: aws.URL, RoleARN: awsauthtest.RoleARN})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "role_arn: ") || !strings.Contains(err.Error(), "is also AWS_ROLE_ARN") || len(aws.STS.Calls()) != 0 {
		t.Fatalf("error %v after %d STS calls, want role_arn named against AWS_ROLE_ARN and no call", err, len(aws.STS.Calls()))
	}
}

func TestWebIdentitySource(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	aws.STS.WebIdentityTokens = []string{"oidc-token-1"}
	token := writeFile(t, "oidc-token-1\n")
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
	t.Setenv("AWS_ROLE_ARN", awsauthtest.RoleARN)
	c, err := New(Config{Region: "us-east-1", STSEndpoint: aws.URL, SessionName: "irsa-test"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.Source != source.WebIdentity || !strings.HasPrefix(creds.AccessKeyID, "ASIA") {
		t.Fatalf("source %q key %q", creds.Source, creds.AccessKeyID)
	}
	calls := aws.STS.CallsOf("AssumeRoleWithWebIdentity")
	if len(calls) != 1 || calls[0].Params.Get("RoleArn") != awsauthtest.RoleARN || calls[0].Params.Get("RoleSessionName") != "irsa-test" ||
		strings.TrimSpace(calls[0].Params.Get("WebIdentityToken")) != "oidc-token-1" {
		t.Fatalf("calls %+v", calls)
	}
	// The token file is read again on every refresh: rotate it.
	aws.STS.WebIdentityTokens = []string{"oidc-token-2"}
	if err := os.WriteFile(token, []byte("oidc-token-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(context.Background()); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
}

func TestRoleFromWebIdentityIsAssumedOnce(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	aws.STS.WebIdentityTokens = []string{"oidc-token"}
	token := writeFile(t, "oidc-token")
	c, err := New(Config{Region: "us-east-1", STSEndpoint: aws.URL, WebIdentityTokenFile: token, RoleARN: awsauthtest.RoleARN})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.Source != source.WebIdentity+" as "+awsauthtest.RoleARN {
		t.Fatalf("source %q", creds.Source)
	}
	web := aws.STS.CallsOf("AssumeRoleWithWebIdentity")
	if len(web) != 1 || web[0].Params.Get("RoleArn") != awsauthtest.RoleARN || web[0].Params.Get("DurationSeconds") != "900" {
		t.Fatalf("web identity calls %+v", web)
	}
	if n := len(aws.STS.CallsOf("AssumeRole")); n != 0 {
		t.Fatalf("AssumeRole called %d times on top", n)
	}
}

func TestAssumeRoleWithEveryOption(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	aws.STS.RequireExternalID(awsauthtest.RoleARN, "tenant-42")
	cfg := Config{
		Region: "eu-west-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret,
		RoleARN: awsauthtest.RoleARN, ExternalID: "tenant-42", SessionName: "agent-7", AssumeRoleDuration: time.Hour,
		STSRegion: "eu-central-1", STSEndpoint: aws.URL,
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.Source != "static, then AssumeRole "+awsauthtest.RoleARN || creds.SessionToken == "" || !creds.CanExpire {
		t.Fatalf("creds %q %v", creds.Source, creds.CanExpire)
	}
	if left := time.Until(creds.Expires); left < 59*time.Minute || left > time.Hour+time.Minute {
		t.Fatalf("expires in %s, want 1h", left)
	}
	calls := aws.STS.CallsOf("AssumeRole")
	if len(calls) != 1 {
		t.Fatalf("calls %+v", aws.STS.Calls())
	}
	p := calls[0].Params
	if p.Get("RoleArn") != awsauthtest.RoleARN || p.Get("ExternalId") != "tenant-42" || p.Get("RoleSessionName") != "agent-7" || p.Get("DurationSeconds") != "3600" || calls[0].Caller != awsauthtest.UserARN {
		t.Fatalf("params %v caller %s", p, calls[0].Caller)
	}
	if calls[0].Region != "eu-central-1" {
		t.Fatalf("AssumeRole signed for %q, want sts_region eu-central-1", calls[0].Region)
	}
	key, ok := aws.Keys.Lookup(creds.AccessKeyID)
	if !ok || !strings.Contains(key.ARN, "assumed-role/telemetry-writer/agent-7") {
		t.Fatalf("issued key %+v", key)
	}
	ident, err := c.Identify(context.Background(), creds)
	if err != nil || ident.ARN != key.ARN || ident.AccountID != "444455556666" {
		t.Fatalf("identity %+v %v", ident, err)
	}

	// A wrong external id is AccessDenied, naming the action and the role.
	// (Session tags are in TestAssumeRoleSendsSessionTags.)
	cfg.ExternalID = "tenant-43"
	c, _ = New(cfg)
	_, err = c.Retrieve(context.Background())
	var se *SourceError
	if !errors.As(err, &se) || classify.Of(err) != classify.AccessDenied ||
		!strings.Contains(err.Error(), "sts:AssumeRole: AccessDenied: User: "+awsauthtest.UserARN+" is not authorized to perform: sts:AssumeRole on resource: "+awsauthtest.RoleARN) {
		t.Fatalf("err %v", err)
	}
}

func TestProfileSources(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	t.Setenv("AWS_ENDPOINT_URL_STS", aws.URL)
	credFile := writeFile(t, fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n[other]\naws_access_key_id = AKIAOTHEREXAMPLE0001\naws_secret_access_key = other\n", awsauthtest.UserKeyID, awsauthtest.UserSecret))
	process := `printf '{"Version":1,"AccessKeyId":"AKIAPROCESSEXAMPLE01","SecretAccessKey":"from-process"}'`
	configFile := writeFile(t, fmt.Sprintf("[default]\nregion = ap-south-1\n\n[profile proc]\ncredential_process = %s\n\n[profile chained]\nrole_arn = %s\nsource_profile = default\nregion = us-east-1\n", process, awsauthtest.RoleARN))
	files := Config{SharedCredentialsFiles: []string{credFile}, SharedConfigFiles: []string{configFile}}

	for _, c := range []struct{ profile, want string }{
		{"", `profile "default"|` + awsauthtest.UserKeyID},
		{"other", `profile "other"|AKIAOTHEREXAMPLE0001`},
		{"proc", `profile "proc"|AKIAPROCESSEXAMPLE01`},
	} {
		cfg := files
		cfg.Profile = c.profile
		if c.profile != "" {
			cfg.Region = "us-east-1" // these profiles name no region
		}
		got, err := retrieve(t, cfg)
		if err != nil || got != c.want {
			t.Errorf("profile %q: %s %v", c.profile, got, err)
		}
	}
	// The region falls back to the profile's.
	if ch, err := New(files); err != nil || ch.Region() != "ap-south-1" {
		t.Fatalf("region from profile: %v", err)
	}
	// source_profile + role_arn, resolved by the SDK against the fake STS.
	cfg := files
	cfg.Profile = "chained"
	got, err := retrieve(t, cfg)
	if err != nil || !strings.HasPrefix(got, `profile "chained"|ASIA`) || len(aws.STS.CallsOf("AssumeRole")) != 1 {
		t.Fatalf("chained profile: %s %v", got, err)
	}

	// Keys rewritten in the file are picked up without a restart.
	if err := os.WriteFile(credFile, []byte("[default]\naws_access_key_id = AKIAROTATEDEXAMPLE01\naws_secret_access_key = rotated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = retrieve(t, files)
	if err != nil || got != `profile "default"|AKIAROTATEDEXAMPLE01` {
		t.Fatalf("after rewrite: %s %v", got, err)
	}
}

// A CA bundle, in AWS_CA_BUNDLE or the profile's ca_bundle, is trusted for
// the calls a profile makes (here source_profile's AssumeRole to an STS
// behind a private CA), as the SDKs trust it; before, either made the
// profile source fail ("unable to add custom RootCAs").
func TestProfileWithCABundle(t *testing.T) {
	isolateEnv(t)
	sts := &fakeaws.STS{Keys: awsauthtest.NewKeyring(awsauthtest.User)}
	srv := pki.NewAWSServer(sts, "127.0.0.1")
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	bundle := writeFile(t, srv.CAPEM)
	credFile := writeFile(t, fmt.Sprintf("[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n", awsauthtest.UserKeyID, awsauthtest.UserSecret))
	profiles := fmt.Sprintf("[profile chained]\nrole_arn = %s\nsource_profile = base\n\n[profile bundled]\nrole_arn = %s\nsource_profile = base\nca_bundle = %s\n", awsauthtest.RoleARN, awsauthtest.RoleARN, bundle)
	cfg := Config{Region: "us-east-1", SharedCredentialsFiles: []string{credFile}, SharedConfigFiles: []string{writeFile(t, profiles)}}

	// Without a bundle the private CA is not trusted: the check can fail.
	cfg.Profile = "chained"
	if _, err := retrieve(t, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without a bundle: %v", err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	if got, err := retrieve(t, cfg); err != nil || !strings.HasPrefix(got, `profile "chained"|ASIA`) {
		t.Fatalf("AWS_CA_BUNDLE: %s %v", got, err)
	}
	t.Setenv("AWS_CA_BUNDLE", "")
	cfg.Profile = "bundled"
	if got, err := retrieve(t, cfg); err != nil || !strings.HasPrefix(got, `profile "bundled"|ASIA`) {
		t.Fatalf("ca_bundle: %s %v", got, err)
	}
	if n := len(sts.CallsOf("AssumeRole")); n != 2 {
		t.Fatalf("%d AssumeRole calls reached STS, want 2", n)
	}
}

func TestContainerSourcePodIdentity(t *testing.T) {
	isolateEnv(t)
	keys := awsauthtest.NewKeyring()
	tokenFile := writeFile(t, "pod-token-1")
	fake := &fakeaws.Container{Keys: keys, Token: func() string {
		b, _ := os.ReadFile(tokenFile)
		return string(b)
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/v1/credentials")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile)
	got, err := retrieve(t, Config{Region: "us-east-1"})
	if err != nil || !strings.HasPrefix(got, "container|ASIA") {
		t.Fatalf("%s %v", got, err)
	}
	// EKS rotates the token; the file is read on every fetch.
	if err := os.WriteFile(tokenFile, []byte("pod-token-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := retrieve(t, Config{Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	if n, auth := fake.Gets(); n != 2 || auth[0] != "pod-token-1" || auth[1] != "pod-token-2" {
		t.Fatalf("gets %d %v", n, auth)
	}
	// A failing agent is reported as the container source's failure.
	fake.Status.Store(500)
	_, err = retrieve(t, Config{Region: "us-east-1"})
	var se *SourceError
	if !errors.As(err, &se) || se.Source != source.Container {
		t.Fatalf("err %v", err)
	}
}

func TestIMDSSource(t *testing.T) {
	isolateEnv(t)
	keys := awsauthtest.NewKeyring()
	fake := &fakeaws.IMDS{Keys: keys}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", srv.URL)
	got, err := retrieve(t, Config{Region: "us-east-1"})
	if err != nil || !strings.HasPrefix(got, "imds|ASIA") {
		t.Fatalf("%s %v", got, err)
	}

	// A token endpoint that hangs is bounded, and the chain says so.
	fake.HangToken.Store(true)
	start := time.Now()
	_, err = retrieve(t, Config{Region: "us-east-1"})
	var none *NoCredentialsError
	// The reference: "each attempt is bounded to 5 s"; the rest of the chain
	// gets 1.5 s on top.
	if !errors.As(err, &none) || time.Since(start) > source.IMDSTimeout+1500*time.Millisecond {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
	if last := none.Attempts[len(none.Attempts)-1]; last.Source != source.IMDS {
		t.Fatalf("attempts %+v", none.Attempts)
	}
}

func TestChainOrderAndNoCredentials(t *testing.T) {
	isolateEnv(t)
	credFile := writeFile(t, "[default]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = p\n")
	none := filepath.Join(t.TempDir(), "missing")
	files := Config{Region: "us-east-1", SharedCredentialsFiles: []string{credFile}, SharedConfigFiles: []string{none}}
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds")

	if got, _ := retrieve(t, files); got != `profile "default"|AKIAPROFILEEXAMPLE01` {
		t.Errorf("profile before container: %s", got)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "e")
	if got, _ := retrieve(t, files); got != "environment|AKIAENVEXAMPLE000001" {
		t.Errorf("environment before profile: %s", got)
	}
	static := files
	static.AccessKeyID, static.SecretAccessKey = "AKIASTATICEXAMPLE001", "s"
	if got, _ := retrieve(t, static); got != "static|AKIASTATICEXAMPLE001" {
		t.Errorf("static first: %s", got)
	}

	isolateEnv(t)
	_, err := retrieve(t, Config{Region: "us-east-1", SharedCredentialsFiles: []string{none}, SharedConfigFiles: []string{none}})
	var nc *NoCredentialsError
	if !errors.As(err, &nc) || classify.Of(err) != classify.NoCredentials {
		t.Fatalf("err %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"NoCredentialProviders", "static: access_key_id is not set", "environment: AWS_ACCESS_KEY_ID is not set",
		"web_identity: neither web_identity_token_file nor AWS_WEB_IDENTITY_TOKEN_FILE is set", `profile: no profile "default" in`,
		"container: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set", "imds: AWS_EC2_METADATA_DISABLED is true"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

// An STS that hangs up is reported as what happened, without the SDK's
// retry wrapping around it.
func TestNetworkFailureReadsPlainly(t *testing.T) {
	isolateEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { awsauthtest.HangUp(w) }))
	defer srv.Close()
	_, err := retrieve(t, Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret, RoleARN: awsauthtest.RoleARN, STSEndpoint: srv.URL})
	if err == nil {
		t.Fatal("no error from an STS that hangs up")
	}
	// EOF or connection reset, as the race between close and write goes.
	want := "static, then sts:AssumeRole " + awsauthtest.RoleARN + ": sts:AssumeRole: request send failed: Post \"" + srv.URL + "/\": "
	if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "attempts") {
		t.Fatalf("error:\n got %s\nwant %s(EOF or reset)", err, want)
	}
}

// Session tags, transitive tag keys and the source identity reach STS in
// its Query wire format, tags in key order; a web identity's own call does
// not carry them.
func TestAssumeRoleSendsSessionTags(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	c, err := New(Config{
		Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret,
		RoleARN: awsauthtest.RoleARN, STSEndpoint: aws.URL,
		SessionTags:       map[string]string{"team": "observability", "cost-center": "4711", "env": "prod eu"},
		TransitiveTagKeys: []string{"team"},
		SourceIdentity:    "agent@host-7",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := aws.STS.CallsOf("AssumeRole")
	if len(calls) != 1 {
		t.Fatalf("%d AssumeRole calls", len(calls))
	}
	p := calls[0].Params
	want := map[string]string{
		"Tags.member.1.Key": "cost-center", "Tags.member.1.Value": "4711",
		"Tags.member.2.Key": "env", "Tags.member.2.Value": "prod eu",
		"Tags.member.3.Key": "team", "Tags.member.3.Value": "observability",
		"TransitiveTagKeys.member.1": "team",
		"SourceIdentity":             "agent@host-7",
	}
	for k, v := range want {
		if got := p.Get(k); got != v {
			t.Errorf("%s = %q, want %q (params %v)", k, got, v, p)
		}
	}
	if p.Has("Tags.member.4.Key") || p.Has("TransitiveTagKeys.member.2") {
		t.Errorf("more tags sent than configured: %v", p)
	}
}

// role_arn over a source_profile whose credentials are its
// credential_process: the role is assumed (from the helper's credentials,
// at the fake STS), and the helper's stderr reaches HelperStderr, redacted,
// never the agent's own stderr (#31: only a profile whose credentials are
// the process alone was covered; the chained one went raw to stderr).
func TestChainedCredentialProcessStderrIsCaptured(t *testing.T) {
	isolateEnv(t)
	aws := fakeaws.StartSTS(t, awsauthtest.User)
	t.Setenv("AWS_ENDPOINT_URL_STS", aws.URL)
	const leaked = "cHaInEdLeAkEdKeY0123456789abcdefghijklmn"
	helper := writeFile(t, fmt.Sprintf("#!/bin/sh\necho 'helper debug: key %s' >&2\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}'\n", leaked, awsauthtest.UserKeyID, awsauthtest.UserSecret))
	if err := os.Chmod(helper, 0o700); err != nil {
		t.Fatal(err)
	}
	configFile := writeFile(t, fmt.Sprintf("[profile proc]\ncredential_process = %s\n\n[profile writer]\nrole_arn = %s\nsource_profile = proc\nregion = us-east-1\n", helper, awsauthtest.RoleARN))
	var reported []string
	cfg := Config{Region: "us-east-1", Profile: "writer", SharedConfigFiles: []string{configFile}, SharedCredentialsFiles: []string{filepath.Join(t.TempDir(), "none")},
		HelperStderr: func(n int, text string) { reported = append(reported, fmt.Sprintf("%d %s", n, text)) }}
	got, err := retrieve(t, cfg)
	if err != nil || !strings.HasPrefix(got, `profile "writer"|ASIA`) || len(aws.STS.CallsOf("AssumeRole")) != 1 {
		t.Fatalf("chained profile: %s %v", got, err)
	}
	want := fmt.Sprintf("%d helper debug: key (secret)", len("helper debug: key "+leaked+"\n"))
	if len(reported) != 1 || reported[0] != want {
		t.Fatalf("reported %q, want [%q]", reported, want)
	}
}
