package awsauth

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Redact hides the configured secrets and those of the current session.
func TestRedact(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	static, err := New(Config{Region: "us-east-1", AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, SessionToken: "static-session-token-value"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := static.Redact("key "+baseKeyID+" secret "+baseSecret+" token static-session-token-value"), "key "+baseKeyID+" secret (secret) token (secret)"; got != want {
		t.Errorf("static:\n got %s\nwant %s", got, want)
	}

	fake := newFakeAWS(t)
	role, err := New(Config{Region: "us-east-1", AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, RoleARN: roleARN, STSEndpoint: fake.url}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := role.Cache.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join([]string{baseSecret, creds.SecretAccessKey, creds.SessionToken, creds.AccessKeyID}, " | ")
	if got, want := role.Redact(text), "(secret) | (secret) | (secret) | "+creds.AccessKeyID; got != want {
		t.Errorf("assumed role:\n got %s\nwant %s", got, want)
	}
}
