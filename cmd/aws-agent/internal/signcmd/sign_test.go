package signcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

func isolate(t *testing.T, keyID, secret string) {
	t.Helper()
	awsauthtest.IsolateEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
}

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

const iamRequest = "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\n" +
	"Host: iam.amazonaws.com\n" +
	"Content-Type: application/x-www-form-urlencoded; charset=utf-8\n\n"

// The IAM ListUsers example of the AWS documentation, byte for byte, for
// every --print.
func TestSignReproducesTheDocumentation(t *testing.T) {
	isolate(t, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	want := map[string]string{
		"canonical-request": "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
		"string-to-sign":    "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59\n",
		"signature":         "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\n",
		"authorization":     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\n",
		"request": "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\r\nHost: iam.amazonaws.com\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n" +
			"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\nX-Amz-Date: 20150830T123600Z\r\n\r\n",
	}
	for what, w := range want {
		got, err := run(t, iamRequest, "--region", "us-east-1", "--time", "2015-08-30T12:36:00Z", "--print", what)
		if err != nil || got != w {
			t.Errorf("--print %s: %v\n%q\nwant\n%q", what, err, got, w)
		}
	}
}

func TestSignReproducesTheS3Example(t *testing.T) {
	isolate(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	req := "GET /test.txt HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\nRange: bytes=0-9\r\n" +
		"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n\r\n"
	got, err := run(t, req, "--time", "2013-05-24T00:00:00Z", "--print", "signature")
	if err != nil || got != "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41\n" {
		t.Fatalf("%v %q", err, got)
	}
}

func TestSignThenVerifyRoundTrips(t *testing.T) {
	isolate(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "session-token-value")
	// Folded continuation lines and repeated names, and a body.
	raw := "POST /workspaces/ws-1/api/v1/remote_write HTTP/1.1\r\n" +
		"Host: aps-workspaces.us-east-1.amazonaws.com\r\n" +
		"X-Folded: first part\r\n  second part\r\n" +
		"X-Repeated: a\r\nX-Repeated: b\r\n" +
		"Content-Type: application/x-protobuf\r\n\r\nsnappy-bytes"
	signed, err := run(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(signed, "X-Folded: first part second part\r\n") || !strings.Contains(signed, "X-Repeated: a\r\nX-Repeated: b\r\n") ||
		!strings.Contains(signed, "X-Amz-Security-Token: session-token-value") || !strings.HasSuffix(signed, "\r\n\r\nsnappy-bytes") {
		t.Fatalf("signed request:\n%s", signed)
	}
	out, err := run(t, signed, "--verify")
	if err != nil || out != "signature OK\n" {
		t.Fatalf("verify: %v %q", err, out)
	}

	// Tamper with a signed header: the first differing canonical line is named.
	creq, err := run(t, raw, "--print", "canonical-request", "--time", signedTime(t, signed))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "creq")
	if err := os.WriteFile(file, []byte(creq), 0o600); err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(signed, "X-Repeated: b", "X-Repeated: c", 1)
	out, err = run(t, tampered, "--verify", "--canonical-request", file)
	if err == nil || !strings.HasPrefix(out, "SignatureDoesNotMatch: The request signature we calculated does not match") ||
		!strings.Contains(out, `differs:`+"\n"+`  signed:   "x-repeated:a,b"`+"\n"+`  received: "x-repeated:a,c"`) {
		t.Fatalf("tampered: %v\n%s", err, out)
	}
}

func signedTime(t *testing.T, signed string) string {
	t.Helper()
	i := strings.Index(signed, "X-Amz-Date: ")
	d := signed[i+12 : i+28]
	return d[0:4] + "-" + d[4:6] + "-" + d[6:8] + "T" + d[9:11] + ":" + d[11:13] + ":" + d[13:15] + "Z"
}

func TestSignRefusesBadFlags(t *testing.T) {
	isolate(t, "AKIAIOSFODNN7EXAMPLE", "s")
	if _, err := run(t, iamRequest, "--print", "everything"); err == nil || !strings.Contains(err.Error(), "--print: want request") {
		t.Fatalf("%v", err)
	}
	if _, err := run(t, iamRequest, "--time", "yesterday"); err == nil || !strings.Contains(err.Error(), "--time") {
		t.Fatalf("%v", err)
	}
	if _, err := run(t, "GET / HTTP/1.1\n\n"); err == nil || !strings.Contains(err.Error(), "no Host header") {
		t.Fatalf("%v", err)
	}
}

// Request lines as AWS's SigV4 test suite writes them: the path unencoded.
// Signed once-encoded (--normalize-path=false, as the suite's canonical
// requests are), they give the suite's published signatures; by default
// the path is encoded twice, as the AWS SDKs do for services other than S3.
func TestSignReadsTheTestSuitesRequestLines(t *testing.T) {
	isolate(t, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	suite := []string{"--service", "service", "--region", "us-east-1", "--time", "2015-08-30T12:36:00Z"}
	for _, c := range []struct {
		name, line, once, twice, signature string
	}{
		{"get-space", "GET /example space/ HTTP/1.1", "/example%20space/", "/example%2520space/", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
		{"get-utf8", "GET /ሴ HTTP/1.1", "/%E1%88%B4", "/%25E1%2588%25B4", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
		{"escaped in a log", "GET /example%20space/ HTTP/1.1", "/example%20space/", "/example%2520space/", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
		{"no version", "GET /example space/", "/example%20space/", "/example%2520space/", "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
	} {
		req := c.line + "\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n"
		once, err := run(t, req, append(suite, "--normalize-path=false", "--print", "canonical-request")...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if want := "GET\n" + c.once + "\n\nhost:example.amazonaws.com\n"; !strings.HasPrefix(once, want) {
			t.Errorf("%s: canonical request\n%s\nwant it to begin\n%s", c.name, once, want)
		}
		sig, err := run(t, req, append(suite, "--normalize-path=false", "--print", "signature")...)
		if err != nil || sig != c.signature+"\n" {
			t.Errorf("%s: signature %q (%v), want the suite's %s", c.name, sig, err, c.signature)
		}
		twice, err := run(t, req, append(suite, "--print", "canonical-request")...)
		if err != nil || !strings.HasPrefix(twice, "GET\n"+c.twice+"\n") {
			t.Errorf("%s: by default the canonical request begins %q (%v), want the path %s", c.name, strings.SplitN(twice, "\n", 3)[:2], err, c.twice)
		}
	}
	for _, bad := range []string{"GET\n", "\n", "GET  HTTP/1.1\n"} {
		if _, err := run(t, bad+"Host: example.amazonaws.com\n\n", suite...); err == nil || !strings.Contains(err.Error(), "first line") {
			t.Errorf("%q: error %v, want one naming the first line", bad, err)
		}
	}
}

// A body's length is signed, as the AWS SDKs sign it.
func TestSignSignsContentLength(t *testing.T) {
	isolate(t, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	out, err := run(t, "POST /v1/logs HTTP/1.1\nHost: logs.us-east-1.amazonaws.com\n\n{\"a\":1}", "--print", "canonical-request")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\ncontent-length:7\nhost:logs.us-east-1.amazonaws.com\n") || !strings.Contains(out, "\ncontent-length;host;x-amz-date\n") {
		t.Errorf("canonical request:\n%s", out)
	}
}
