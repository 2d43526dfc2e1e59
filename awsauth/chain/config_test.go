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
		{"key without secret", Config{Region: "us-east-1", AccessKeyID: "AKIAEXAMPLEKEY123456"}, "secret_access_key", "must be set when access_key_id is set; it is empty (an env() variable that is unset or empty"},
		{"secret without key", Config{Region: "us-east-1", SecretAccessKey: testSecret}, "access_key_id", "must be set when secret_access_key is set; it is empty (an env() variable that is unset or empty"},
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
		{"tags without role", Config{Region: "us-east-1", SessionTags: map[string]string{"team": "obs"}}, "session_tags", "require role_arn"},
		{"too many tags", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{"k0": "v", "k1": "v", "k2": "v", "k3": "v", "k4": "v", "k5": "v", "k6": "v", "k7": "v", "k8": "v", "k9": "v", "k10": "v", "k11": "v", "k12": "v", "k13": "v", "k14": "v", "k15": "v", "k16": "v", "k17": "v", "k18": "v", "k19": "v", "k20": "v", "k21": "v", "k22": "v", "k23": "v", "k24": "v", "k25": "v", "k26": "v", "k27": "v", "k28": "v", "k29": "v", "k30": "v", "k31": "v", "k32": "v", "k33": "v", "k34": "v", "k35": "v", "k36": "v", "k37": "v", "k38": "v", "k39": "v", "k40": "v", "k41": "v", "k42": "v", "k43": "v", "k44": "v", "k45": "v", "k46": "v", "k47": "v", "k48": "v", "k49": "v", "k50": "v"}}, "session_tags", "51 tags, STS allows at most 50"},
		{"tag key too long", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{strings.Repeat("k", 129): "v"}}, "session_tags", "must be 1 to 128 letters"},
		{"tag value too long", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{"team": strings.Repeat("v", 257)}}, "session_tags", `the value of "team" must be at most 256`},
		{"tag value alphabet", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{"team": "a;b"}}, "session_tags", `the value of "team"`},
		{"reserved tag key", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{"aws:x": "v"}}, "session_tags", "the aws: prefix is reserved"},
		{"tag keys alike but for case", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{"Team": "a", "team": "b"}}, "session_tags", "differ only in case"},
		{"transitive key not a tag", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SessionTags: map[string]string{"team": "obs"}, TransitiveTagKeys: []string{"env"}}, "transitive_tag_keys", `"env" is not a key of session_tags`},
		{"bad source identity", Config{Region: "us-east-1", RoleARN: "arn:aws:iam::123456789012:role/x", SourceIdentity: "has space"}, "source_identity", "must be 2 to 64 characters"},
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
