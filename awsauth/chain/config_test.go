package chain

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

const testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

func TestBadConfigGetsAClearError(t *testing.T) {
	isolateEnv(t)
	cases := []struct {
		name  string
		cfg   Config
		field string
		text  string
	}{
		{"key without secret", Config{Region: "us-east-1", AccessKeyID: "AKIAEXAMPLEKEY123456"}, "secret_access_key", "must be set when access_key_id is set"},
		{"secret without key", Config{Region: "us-east-1", SecretAccessKey: testSecret}, "access_key_id", "must be set when secret_access_key is set"},
		{"token without keys", Config{Region: "us-east-1", SessionToken: "tok-secret-value"}, "session_token", "only valid with access_key_id and secret_access_key"},
		{"external id without role", Config{Region: "us-east-1", ExternalID: "ext-123"}, "external_id", "requires role_arn"},
		{"malformed role", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::12345:user/bob"}, "role_arn", "is not an IAM role ARN"},
		{"duration too short", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", AssumeRoleDuration: 5 * time.Minute}, "assume_role_duration", "5m0s is outside the range STS allows (15m to 12h)"},
		{"duration too long", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", AssumeRoleDuration: 13 * time.Hour}, "assume_role_duration", "outside the range"},
		{"bad region", Config{Region: "useast1"}, "region", `"useast1" is not an AWS region name`},
		{"bad sts region", Config{Region: "us-east-1", STSRegion: "moon"}, "sts_region", "is not an AWS region name"},
		{"bad sts endpoint", Config{Region: "us-east-1", STSEndpoint: "sts.local"}, "sts_endpoint", "is not an http(s) URL"},
		{"bad session name", Config{Region: "us-east-1", SessionName: "has space"}, "session_name", "must be 2 to 64 characters"},
		{"unknown profile", Config{Region: "us-east-1", Profile: "nope", SharedCredentialsFiles: []string{writeFile(t, "[default]\naws_access_key_id=AKIAEXAMPLEKEY123456\naws_secret_access_key=x\n")}, SharedConfigFiles: []string{filepath.Join(t.TempDir(), "none")}}, "profile", `no profile "nope" in`},
		{"unreadable token file", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", WebIdentityTokenFile: "/nonexistent/token"}, "web_identity_token_file", "cannot read the token file"},
		{"no region", Config{}, "region", "not set: looked at the region argument, AWS_REGION, AWS_DEFAULT_REGION and profile \"default\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				ch, err := New(c.cfg)
				if err != nil {
					return err
				}
				_, err = ch.Retrieve(t.Context())
				return err
			}()
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.field+": ") || !strings.Contains(msg, c.text) {
				t.Fatalf("error %q does not name %s with %q", msg, c.field, c.text)
			}
			for _, secret := range []string{testSecret, "tok-secret-value"} {
				if strings.Contains(msg, secret) {
					t.Fatalf("error leaks a secret: %q", msg)
				}
			}
		})
	}
}

func isolateEnv(t *testing.T) { awsauthtest.IsolateEnv(t) }

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
