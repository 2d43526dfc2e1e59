package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The worked examples of the AWS documentation: the IAM ListUsers request of
// "Examples of signed requests", the get-vanilla cases of the SigV4 test
// suite, and the S3 GetObject example of "Signature calculations for the
// Authorization header". Expected values are AWS's published ones.
var docExamples = []struct {
	name        string
	method, url string
	header      map[string]string
	keyID       string
	secret      string
	date        string
	region      string
	service     string
	s3          bool
	creq        string // published canonical request, where AWS gives it
	creqSHA     string // published hash of the canonical request
	signature   string
}{
	{
		name:   "iam-list-users",
		method: "GET", url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
		keyID:  "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		date: "20150830T123600Z", region: "us-east-1", service: "iam",
		creq: "GET\n/\nAction=ListUsers&Version=2010-05-08\n" +
			"content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
			"content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		creqSHA:   "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
		signature: "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
	},
	{
		name:   "get-vanilla",
		method: "GET", url: "https://example.amazonaws.com/",
		keyID: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		date: "20150830T123600Z", region: "us-east-1", service: "service",
		creq: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		creqSHA:   "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
		signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	},
	{
		name:   "get-vanilla-query-order-key-case",
		method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
		keyID: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		date: "20150830T123600Z", region: "us-east-1", service: "service",
		creq: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
	},
	{
		name:   "s3-get-object",
		method: "GET", url: "https://examplebucket.s3.amazonaws.com/test.txt",
		header: map[string]string{"Range": "bytes=0-9"},
		keyID:  "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		date: "20130524T000000Z", region: "us-east-1", service: "s3", s3: true,
		creq: "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n" +
			"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\n" +
			"host;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
	},
}

func TestSignReproducesAWSDocumentationExamples(t *testing.T) {
	for _, ex := range docExamples {
		t.Run(ex.name, func(t *testing.T) {
			req, _ := http.NewRequest(ex.method, ex.url, nil)
			for k, v := range ex.header {
				req.Header.Set(k, v)
			}
			at, _ := time.Parse(amzDateFormat, ex.date)
			sig := Explain(req, aws.Credentials{AccessKeyID: ex.keyID, SecretAccessKey: ex.secret}, SigningParams{
				Region: ex.region, Service: ex.service, Time: at, PayloadHash: EmptyPayloadHash,
				NoNormalizePath: ex.s3, ContentSHA256: ex.s3,
			})
			if sig.CanonicalRequest != ex.creq {
				t.Errorf("canonical request:\n%s\nwant:\n%s", sig.CanonicalRequest, ex.creq)
			}
			if ex.creqSHA != "" {
				sum := sha256.Sum256([]byte(sig.CanonicalRequest))
				if got := hex.EncodeToString(sum[:]); got != ex.creqSHA {
					t.Errorf("canonical request hash %s, want %s", got, ex.creqSHA)
				}
				wantSTS := "AWS4-HMAC-SHA256\n" + ex.date + "\n" + ex.date[:8] + "/" + ex.region + "/" + ex.service + "/aws4_request\n" + ex.creqSHA
				if sig.StringToSign != wantSTS {
					t.Errorf("string to sign:\n%s\nwant:\n%s", sig.StringToSign, wantSTS)
				}
			}
			if sig.Signature != ex.signature {
				t.Errorf("signature %s, want %s", sig.Signature, ex.signature)
			}
			wantAuth := "AWS4-HMAC-SHA256 Credential=" + ex.keyID + "/" + ex.date[:8] + "/" + ex.region + "/" + ex.service +
				"/aws4_request, SignedHeaders=" + sig.SignedHeaders + ", Signature=" + ex.signature
			if got := req.Header.Get("Authorization"); got != wantAuth {
				t.Errorf("Authorization %q, want %q", got, wantAuth)
			}
		})
	}
}

func TestDeriveKeyMatchesPublishedKeys(t *testing.T) {
	// "Examples of how to derive a signing key for Signature Version 4".
	k := deriveKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
	if got := hex.EncodeToString(k[:]); got != "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d" {
		t.Errorf("derived key %s", got)
	}
	k = deriveKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam")
	if got := hex.EncodeToString(k[:]); got != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Errorf("derived key %s", got)
	}
}

// The SDK's own v4 signer is a third implementation: for requests inside the
// rules both follow, the signatures must agree.
func TestSignAgreesWithTheSDKSigner(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: "token/with+chars="}
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		url, service, region, body string
	}{
		{"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", "aps", "us-east-1", "snappy protobuf"},
		{"https://logs.eu-west-1.amazonaws.com/v1/logs?b=2&a=1&a=0&empty=", "logs", "eu-west-1", "{}"},
		{"https://abc.execute-api.us-west-2.amazonaws.com/prod/loki/api/v1/push?x=%2Fy%20z", "execute-api", "us-west-2", "payload"},
		{"https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", "sts", "us-east-1", ""},
		{"https://search-d.eu-central-1.es.amazonaws.com/_bulk", "es", "eu-central-1", strings.Repeat("x", 70000)},
	} {
		ours, _ := http.NewRequest("POST", c.url, strings.NewReader(c.body))
		if want := int64(len(c.body)); ours.ContentLength != want {
			t.Fatalf("ContentLength %d, want %d", ours.ContentLength, want)
		}
		ours.Header.Set("Content-Type", "application/x-protobuf")
		ours.Header.Add("X-Custom", "  a   b ")
		ours.Header.Add("X-Custom", "c")
		theirs := ours.Clone(context.Background())
		body := sha256.Sum256([]byte(c.body))
		hash := hex.EncodeToString(body[:])
		sig := Explain(ours, creds, SigningParams{Region: c.region, Service: c.service, Time: at, PayloadHash: hash})
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, theirs, hash, c.service, c.region, at); err != nil {
			t.Fatal(err)
		}
		if a, b := ours.Header.Get("Authorization"), theirs.Header.Get("Authorization"); a != b {
			t.Errorf("%s:\nours   %s\nsdk's  %s\ncanonical request:\n%s", c.url, a, b, sig.CanonicalRequest)
		}
		if signed := strings.Contains(sig.SignedHeaders, "content-length"); signed != (c.body != "") {
			t.Errorf("%s: content-length signed %v with a %d-byte body (%s)", c.url, signed, len(c.body), sig.SignedHeaders)
		}
	}
}

// Content-Length is signed from the request's length, not from a header a
// caller may have set: Go writes the header from the field.
func TestSignSignsTheRequestsContentLength(t *testing.T) {
	req, _ := http.NewRequest("PUT", "https://logs.us-east-1.amazonaws.com/x", strings.NewReader("12345"))
	req.Header.Set("Content-Length", "999")
	sig := Explain(req, aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}, SigningParams{Region: "us-east-1", Service: "logs", Time: time.Now(), PayloadHash: EmptyPayloadHash})
	if !strings.Contains(sig.CanonicalRequest, "\ncontent-length:5\n") || strings.Contains(sig.CanonicalRequest, "999") {
		t.Errorf("canonical request:\n%s", sig.CanonicalRequest)
	}
	if sig.SignedHeaders != "content-length;host;x-amz-date" {
		t.Errorf("signed headers %q", sig.SignedHeaders)
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "/",
		"/":                        "/",
		"/a/b":                     "/a/b",
		"//example//":              "/example/",
		"/example1/example2/../..": "/",
		"/a/./b/../c":              "/a/c",
		"/a/b/.":                   "/a/b/",
		"/%2F/x":                   "/%2F/x",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalURIEncodesTwiceExceptS3(t *testing.T) {
	req, _ := http.NewRequest("GET", "https://h.example/a%2Fb/c%20d", nil)
	if got := canonicalURI(req.URL, false); got != "/a%252Fb/c%2520d" {
		t.Errorf("non-s3: %s", got)
	}
	if got := canonicalURI(req.URL, true); got != "/a/b/c%20d" {
		t.Errorf("s3: %s", got)
	}
}

func TestSignIgnoresDocumentedHeaders(t *testing.T) {
	req, _ := http.NewRequest("GET", "https://logs.us-east-1.amazonaws.com/", nil)
	for _, h := range []string{"User-Agent", "X-Amzn-Trace-Id", "Expect", "Connection", "Content-Length", "Transfer-Encoding"} {
		req.Header.Set(h, "x")
	}
	req.Header.Set("X-Empty", "")
	req.Header.Set("X-Kept", "v")
	sig := Explain(req, aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}, SigningParams{Region: "us-east-1", Service: "logs", Time: time.Now(), PayloadHash: EmptyPayloadHash})
	if sig.SignedHeaders != "host;x-amz-date;x-kept" {
		t.Errorf("signed headers %q", sig.SignedHeaders)
	}
}

func TestSigningKeysAreCached(t *testing.T) {
	a := signingKeys.get("secret-a", "20261127", "us-east-1", "aps")
	b := signingKeys.get("secret-b", "20261127", "us-east-1", "aps")
	if a.key == b.key {
		t.Fatal("different secrets gave the same key")
	}
	if again := signingKeys.get("secret-a", "20261127", "us-east-1", "aps"); again != a || again.key != deriveKey("secret-a", "20261127", "us-east-1", "aps") {
		t.Fatal("cached key differs from derived key")
	}
	for i := 0; i < 100; i++ { // many secrets: the cache stays bounded and right
		k := signingKeys.get(fmt.Sprint("s", i), "20261127", "us-east-1", "aps")
		if k.key != deriveKey(fmt.Sprint("s", i), "20261127", "us-east-1", "aps") {
			t.Fatal("wrong key")
		}
	}
	if len(signingKeys.keys) > 32 {
		t.Fatalf("%d keys cached", len(signingKeys.keys))
	}
}
