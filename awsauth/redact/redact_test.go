package redact

import (
	"strings"
	"testing"
)

// A credential helper's output quoted whole by an SDK error: the secret
// key and token go, whether or not they were given; what the on-call
// needs (the access key id, the words) stays.
func TestTextRemovesSecretsAndTheirShapes(t *testing.T) {
	const (
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		token  = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampletokenexampletokenexampletokenexampletokenexampletokenexampletoken=="
	)
	out := `parse failed of process output: notice: rotating
{"Version":1,"AccessKeyId":"AKIAIOSFODNN7EXAMPLE","SecretAccessKey":"` + secret + `","SessionToken":"` + token + `"}, error: invalid character 'o' in literal null`
	for name, got := range map[string]string{"given": Text(out, secret, token), "by shape": Text(out)} {
		if strings.Contains(got, secret) || strings.Contains(got, token[:60]) || strings.Contains(got, secret[:20]) {
			t.Errorf("%s: a secret is left in %q", name, got)
		}
		if !strings.Contains(got, "AKIAIOSFODNN7EXAMPLE") || !strings.Contains(got, "invalid character 'o' in literal null") || strings.Count(got, marker) != 2 {
			t.Errorf("%s: too much or too little removed: %q", name, got)
		}
	}
}

// Ordinary text is left as it is: ARNs, hosts, paths, request ids,
// payload hashes (64 hex), short given strings.
func TestTextLeavesOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"AccessDenied: User: arn:aws:sts::111122223333:assumed-role/writer/agent-7 is not authorized to perform: aps:RemoteWrite on resource: arn:aws:aps:us-east-1:111122223333:workspace/ws-1",
		"POST aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write: 403",
		"x-amz-content-sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"request id 4f9a3c2e-1b7d-4e5f-9a8b-0c1d2e3f4a5b",
	} {
		if got := Text(s, "short", ""); got != s {
			t.Errorf("Text(%q) = %q", s, got)
		}
	}
}

// A secret key written name=KEY, as shared credentials files, env dumps and
// SDK structs print it, goes even when it was not given (#34: the '=' joined
// the name to the key, and the run was no secret's length); exactly 40
// characters is a key, 39 and 41 are not.
func TestTextRemovesNameEqualsKeyAndCountsExactly(t *testing.T) {
	const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, s := range []string{
		"aws_secret_access_key=" + key,
		"SecretAccessKey=" + key + " next",
		"AWS_SECRET_ACCESS_KEY=" + key + "\n",
		"{SecretAccessKey:" + key + "}",
	} {
		if got := Text(s); strings.Contains(got, key[5:30]) || !strings.Contains(got, marker) {
			t.Errorf("Text(%q) = %q", s, got)
		}
	}
	if got := Text("k " + key + " k"); got != "k "+marker+" k" {
		t.Errorf("a lone 40-character key: %q", got)
	}
	for _, n := range []int{39, 41} {
		s := strings.Repeat("a", n)
		if got := Text("x " + s + " y"); got != "x "+s+" y" {
			t.Errorf("a %d-character run was taken for a key: %q", n, got)
		}
	}
	// A token's padding stays with it.
	token := strings.Repeat("Ab1/", 30) + "=="
	if got := Text("t=" + token + " end"); got != "t="+marker+" end" {
		t.Errorf("a padded token: %q", got)
	}
}
