package sigv4verify

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	docKeyID  = "AKIDEXAMPLE"
	docSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

func docVerifier(at string, service string) *Verifier {
	now, _ := time.Parse("20060102T150405Z", at)
	return &Verifier{
		Keys:    NewKeyring(Key{AccessKeyID: docKeyID, SecretAccessKey: docSecret}, Key{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}),
		Service: service,
		Now:     func() time.Time { return now },
	}
}

// The requests below carry the Authorization headers AWS publishes for them;
// the verifier, which shares no code with any signer, must accept them.
func TestVerifierAcceptsPublishedSignatures(t *testing.T) {
	iam := httptest.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	iam.RequestURI = "/?Action=ListUsers&Version=2010-05-08"
	iam.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	iam.Header.Set("X-Amz-Date", "20150830T123600Z")
	iam.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	if _, err := docVerifier("20150830T123600Z", "iam").Verify(iam, nil); err != nil {
		t.Errorf("iam ListUsers: %v", err)
	}

	vanilla := httptest.NewRequest("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", nil)
	vanilla.Header.Set("X-Amz-Date", "20150830T123600Z")
	vanilla.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
	if _, err := docVerifier("20150830T123600Z", "service").Verify(vanilla, nil); err != nil {
		t.Errorf("get-vanilla-query-order-key-case: %v", err)
	}

	s3 := httptest.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	s3.Header.Set("Range", "bytes=0-9")
	s3.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	s3.Header.Set("X-Amz-Date", "20130524T000000Z")
	s3.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
	v := docVerifier("20130524T000000Z", "s3")
	v.S3Paths = true
	if _, err := v.Verify(s3, nil); err != nil {
		t.Errorf("s3 GetObject: %v", err)
	}
}

func vanillaRequest() *http.Request {
	r := httptest.NewRequest("GET", "https://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	return r
}

func TestVerifierRejections(t *testing.T) {
	if _, err := docVerifier("20150830T123600Z", "service").Verify(vanillaRequest(), nil); err != nil {
		t.Fatalf("get-vanilla rejected: %v", err)
	}
	cases := []struct {
		name   string
		change func(*http.Request, *Verifier) []byte
		code   string
		status int
	}{
		{"tampered path", func(r *http.Request, _ *Verifier) []byte { r.URL.Path, r.RequestURI = "/x", "/x"; return nil }, "SignatureDoesNotMatch", 403},
		{"tampered body", func(*http.Request, *Verifier) []byte { return []byte("x") }, "SignatureDoesNotMatch", 403},
		{"wrong secret", func(_ *http.Request, v *Verifier) []byte {
			v.Keys.Add(Key{AccessKeyID: docKeyID, SecretAccessKey: "other"})
			return nil
		}, "SignatureDoesNotMatch", 403},
		{"unknown key", func(_ *http.Request, v *Verifier) []byte { v.Keys.Remove(docKeyID); return nil }, "InvalidClientTokenId", 403},
		{"expired token", func(_ *http.Request, v *Verifier) []byte {
			v.Keys.Add(Key{AccessKeyID: docKeyID, SecretAccessKey: docSecret, Expires: time.Date(2015, 8, 30, 12, 0, 0, 0, time.UTC)})
			return nil
		}, "ExpiredToken", 403},
		{"missing session token", func(_ *http.Request, v *Verifier) []byte {
			v.Keys.Add(Key{AccessKeyID: docKeyID, SecretAccessKey: docSecret, SessionToken: "tok"})
			return nil
		}, "InvalidClientTokenId", 403},
		{"clock 6 minutes ahead", func(_ *http.Request, v *Verifier) []byte {
			v.Now = func() time.Time { return time.Date(2015, 8, 30, 12, 42, 0, 0, time.UTC) }
			return nil
		}, "RequestTimeTooSkewed", 403},
		{"wrong service", func(_ *http.Request, v *Verifier) []byte { v.Service = "aps"; return nil }, "SignatureDoesNotMatch", 403},
		{"no authorization", func(r *http.Request, _ *Verifier) []byte { r.Header.Del("Authorization"); return nil }, "MissingAuthenticationToken", 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, v := vanillaRequest(), docVerifier("20150830T123600Z", "service")
			body := c.change(r, v)
			_, err := v.Verify(r, body)
			if err == nil || err.Code != c.code || err.Status != c.status {
				t.Fatalf("got %v, want %d %s", err, c.status, c.code)
			}
		})
	}
}

func TestSignatureMismatchShowsTheExpectedCanonicalRequest(t *testing.T) {
	r, v := vanillaRequest(), docVerifier("20150830T123600Z", "service")
	r.URL.Path, r.RequestURI = "/other", "/other"
	_, err := v.Verify(r, nil)
	if err == nil || !strings.Contains(err.Message, "GET\n/other\n\nhost:example.amazonaws.com") {
		t.Fatalf("message does not carry the canonical request: %v", err)
	}
	rec := httptest.NewRecorder()
	err.Write(rec)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "<Code>SignatureDoesNotMatch</Code>") || rec.Header().Get("Date") == "" {
		t.Fatalf("XML error answer: %d %s", rec.Code, rec.Body.String())
	}
	v.JSON = true
	_, err = v.Verify(r, nil)
	rec = httptest.NewRecorder()
	err.Write(rec)
	if !strings.HasPrefix(rec.Header().Get("X-Amzn-ErrorType"), "InvalidSignatureException") || !strings.Contains(rec.Body.String(), `"message"`) {
		t.Fatalf("JSON error answer: %v %s", rec.Header(), rec.Body.String())
	}
}

func TestRemoveDotSegments(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/", "//example//": "/example/", "/example1/example2/../..": "/", "/a/./b": "/a/b", "/a/b/": "/a/b/",
	} {
		if got := removeDotSegments(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

// What AWS refuses, the verifier refuses: a signature that leaves out
// X-Amz-Date, an unsigned payload outside S3, and a correctly signed
// request from a principal that Accept does not allow.
func TestVerifierRefusesWhatAWSRefuses(t *testing.T) {
	noDate := vanillaRequest()
	noDate.Header.Set("Authorization", strings.Replace(noDate.Header.Get("Authorization"), "SignedHeaders=host;x-amz-date", "SignedHeaders=host", 1))
	if _, err := docVerifier("20150830T123600Z", "service").Verify(noDate, nil); err == nil || !strings.Contains(err.Message, "'X-Amz-Date' must be a signed header") {
		t.Errorf("X-Amz-Date unsigned: %v", err)
	}

	unsigned := vanillaRequest()
	unsigned.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if _, err := docVerifier("20150830T123600Z", "service").Verify(unsigned, []byte("body")); err == nil || err.Code != "XAmzContentSHA256Mismatch" {
		t.Errorf("UNSIGNED-PAYLOAD outside S3: %v", err)
	}

	v := docVerifier("20150830T123600Z", "service")
	v.Accept = AssumedRole("arn:aws:iam::444455556666:role/writer")
	if _, err := v.Verify(vanillaRequest(), nil); err == nil || err.Code != "AccessDenied" {
		t.Errorf("a long-term key where only the role's sessions may call: %v", err)
	}
	role := AssumedRole("arn:aws:iam::444455556666:role/writer")
	for k, want := range map[Key]bool{
		{ARN: "arn:aws:sts::444455556666:assumed-role/writer/s1", SessionToken: "t"}:       true,
		{ARN: "arn:aws:sts::444455556666:assumed-role/writer/s1"}:                          false,
		{ARN: "arn:aws:sts::444455556666:assumed-role/writer-other/s1", SessionToken: "t"}: false,
		{ARN: "arn:aws:sts::111122223333:assumed-role/writer/s1", SessionToken: "t"}:       false,
		{ARN: "arn:aws:iam::444455556666:user/writer", SessionToken: "t"}:                  false,
	} {
		if role(k) != want {
			t.Errorf("AssumedRole(...)(%s, token %v) = %v", k.ARN, k.SessionToken != "", !want)
		}
	}
}
