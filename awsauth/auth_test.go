package awsauth

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// Redact hides the configured secrets and those of the current session.
func TestRedact(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	static, err := New(Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret, SessionToken: "static-session-token-value"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := static.Redact("key "+awsauthtest.UserKeyID+" secret "+awsauthtest.UserSecret+" token static-session-token-value"), "key "+awsauthtest.UserKeyID+" secret (secret) token (secret)"; got != want {
		t.Errorf("static:\n got %s\nwant %s", got, want)
	}

	fake := fakeaws.StartSTS(t, awsauthtest.User)
	role, err := New(Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret, RoleARN: awsauthtest.RoleARN, STSEndpoint: fake.URL}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := role.cache.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join([]string{awsauthtest.UserSecret, creds.SecretAccessKey, creds.SessionToken, creds.AccessKeyID}, " | ")
	if got, want := role.Redact(text), "(secret) | (secret) | (secret) | "+creds.AccessKeyID; got != want {
		t.Errorf("assumed role:\n got %s\nwant %s", got, want)
	}
}
func TestTransportFailsClearlyWithoutCredentials(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	a, err := New(Config{Credentials: chain.Config{Region: "us-east-1"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/v1/traces", body)
	req.Host = "xray.us-east-1.amazonaws.com"
	_, err = a.Transport(nil, "").RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "cannot sign the request to xray.us-east-1.amazonaws.com: NoCredentialProviders") {
		t.Fatalf("err %v", err)
	}
	if !body.closed {
		t.Fatal("the request body was not closed")
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// A key AWS no longer knows (rotated) is replaced at once and the request
// sent again: the writer sees one answer, the 200 signed with the new key.
func TestTransportRefreshesRefusedCredentialsAndRetries(t *testing.T) {
	e := newFaultEnv(t)
	file := e.write(t, "credentials", "[default]\naws_access_key_id = "+faultKeyID+"\naws_secret_access_key = "+faultSecret+"\n")
	a, err := New(Config{Credentials: chain.Config{Region: "us-east-1", SharedCredentialsFiles: []string{file}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rt := a.Transport(nil, "")
	send := func(id string) int {
		req, _ := http.NewRequest("POST", e.epURL+"/", strings.NewReader(id+"\n"))
		req.Host = "logs.us-east-1.amazonaws.com"
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("first"); code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	e.keys.Remove(faultKeyID)
	e.keys.Add(awsauthtest.Key{AccessKeyID: newKeyID, SecretAccessKey: newSecret, ARN: awsauthtest.UserARN, Account: "111122223333", UserID: "AIDAFAULTUSER"})
	e.write(t, "credentials", "[default]\naws_access_key_id = "+newKeyID+"\naws_secret_access_key = "+newSecret+"\n")
	if code := send("second"); code != http.StatusOK || !e.signedBy(newKeyID) {
		t.Fatalf("after the rotation: %d, signed with the new key: %v", code, e.signedBy(newKeyID))
	}
}
