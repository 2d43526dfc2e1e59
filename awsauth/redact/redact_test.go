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
