package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"golang.org/x/net/http/httpguts"
)

// Any request the signer signs must verify with the independent verifier,
// after a trip through the wire format.
func FuzzSignVerify(f *testing.F) {
	f.Add("POST", "/workspaces/ws-1/api/v1/remote_write", "", "Content-Type", "application/x-protobuf", []byte("body"), false)
	f.Add("GET", "/a%2Fb/c%20d/../e", "b=2&a=1&a=0&empty=", "X-Custom", "  a   b  ", []byte(nil), false)
	f.Add("PUT", "/bucket/key with space.txt", "x-id=PutObject", "X-Amz-Meta-Tag", "v", []byte("s3 body"), true)
	f.Add("GET", "//example//", "Param2=value2&Param1=value1", "Range", "bytes=0-9", []byte{}, false)
	f.Add("POST", "/", "a=%zz&=x", "X-Folded", "first\tsecond", []byte("x"), false)
	f.Fuzz(func(t *testing.T, method, path, query, hname, hvalue string, body []byte, s3 bool) {
		host := "aps-workspaces.us-east-1.amazonaws.com"
		service := "aps"
		if s3 {
			host, service = "bucket.s3.us-east-1.amazonaws.com", "s3"
		}
		target := "https://" + host + path
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(method, target, bytes.NewReader(body))
		if err != nil || req.URL.Host != host || req.URL.Fragment != "" || !strings.HasPrefix(req.URL.EscapedPath(), "/") {
			return // not a request anyone could send
		}
		if hname != "" {
			if !httpguts.ValidHeaderFieldName(hname) || !httpguts.ValidHeaderFieldValue(hvalue) {
				return // Go's transport refuses to send it
			}
			req.Header.Add(hname, hvalue)
		}
		creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SessionToken: "tok"}
		at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		// S3's rule, as AWS documents it: its path as sent, and the
		// payload's hash in X-Amz-Content-Sha256.
		Sign(req, creds, SigningParams{Region: "us-east-1", Service: service, Time: at, PayloadHash: hash, NoNormalizePath: service == "s3", ContentSHA256: service == "s3"})

		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return // Go refuses to send it (an invalid header, say)
		}
		received, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return
		}
		got, _ := readAllBody(received)
		v := &awsauthtest.Verifier{
			Keys:    awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}),
			Service: service, Region: "us-east-1", S3Paths: s3,
			Now: func() time.Time { return at },
		}
		if _, verr := v.Verify(received, got); verr != nil {
			t.Fatalf("a signed request does not verify: %v\nrequest:\n%s", verr, wire.String())
		}
	})
}

func readAllBody(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

// Classification never panics, and what it finds is consistent.

// Across midnight UTC the key is derived for the new date: a request signed
// at 00:00:01 verifies at its own time (#34: a cache that ignored the date
// signed every request after midnight with yesterday's key — AWS answers
// SignatureDoesNotMatch until the process restarts). The verifier derives
// its keys from AWS's documentation, not from this package.
func TestSigningKeysFollowTheDate(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "midnight-secret-key-example-0000000000000"}
	v := &awsauthtest.Verifier{
		Keys:    awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}),
		Service: "aps", Region: "us-east-1",
	}
	for _, at := range []time.Time{
		time.Date(2026, 12, 3, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 12, 4, 0, 0, 1, 0, time.UTC),
		time.Date(2026, 12, 3, 23, 59, 58, 0, time.UTC), // and back: both keys kept
	} {
		req, _ := http.NewRequest("POST", "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", strings.NewReader("body"))
		sum := sha256.Sum256([]byte("body"))
		Sign(req, creds, SigningParams{Region: "us-east-1", Service: "aps", Time: at, PayloadHash: hex.EncodeToString(sum[:])})
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			t.Fatal(err)
		}
		received, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := readAllBody(received)
		v.Now = func() time.Time { return at }
		if _, err := v.Verify(received, body); err != nil {
			t.Fatalf("signed at %s: %v", at, err)
		}
	}
}
