package s3archive_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakes3"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

const (
	keyID   = "AKIAIOSFODNN7EXAMPLE"
	secret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	account = "111122223333"
)

// jsonLines joins records as a JSON array.
var jsonArray = s3archive.Format{Name: "otlp_json", ContentType: "application/json", Ext: "json",
	Head: []byte(`{"r":[`), Sep: []byte(","), Tail: []byte(`]}`)}

// s3 is a fake S3 reached as Amazon S3 is, by name over TLS (through a
// CONNECT proxy to loopback, trusting the fake's CA), or at an endpoint.
type s3 struct {
	fake      *fakes3.Server
	transport http.RoundTripper // signs with static keys for s3, by name
	direct    http.RoundTripper // signs, without the proxy: for endpoint
	endpoint  string            // an http endpoint for path-style tests
}

func newS3(t *testing.T) *s3 {
	t.Helper()
	fake := &fakes3.Server{Verifier: &sigv4verify.Verifier{
		Keys:    sigv4verify.NewKeyring(sigv4verify.Key{AccessKeyID: keyID, SecretAccessKey: secret, ARN: "arn:aws:iam::" + account + ":user/archiver"}),
		Service: "s3", S3Paths: true,
	}}
	fake.AddBucket("telemetry-archive", account)
	tlsSrv := pki.NewAWSServer(fake, "*.s3.us-east-1.amazonaws.com", "s3.us-east-1.amazonaws.com")
	t.Cleanup(tlsSrv.Close)
	proxy := pki.NewProxy(tlsSrv.Listener.Addr().String())
	t.Cleanup(proxy.Close)
	plain := httptest.NewServer(fake)
	t.Cleanup(plain.Close)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(tlsSrv.CAPEM))
	proxyURL, _ := url.Parse(proxy.URL)
	base := &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}
	a, err := awsauth.New(awsauth.Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: keyID, SecretAccessKey: secret}}, awsauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &s3{fake: fake, transport: a.Transport(base, "s3"), direct: a.Transport(http.DefaultTransport, "s3"), endpoint: plain.URL}
}

func (s *s3) options(t *testing.T, dir string) s3archive.Options {
	return s3archive.Options{
		Dir:         dir,
		Layout:      s3archive.Layout{Prefix: "loki_logs", Partition: s3archive.DefaultPartition, FilePrefix: "agent-"},
		Bucket:      s3archive.Bucket{Name: "telemetry-archive", Region: "us-east-1"},
		Compression: s3archive.Gzip,
		Transport:   s.transport,
		MinBackoff:  10 * time.Millisecond,
		MaxBackoff:  50 * time.Millisecond,
	}
}

func open(t *testing.T, opts s3archive.Options) *s3archive.Archive {
	t.Helper()
	a, err := s3archive.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func appendAll(t *testing.T, a *s3archive.Archive, signal string, recs ...string) {
	t.Helper()
	for _, r := range recs {
		if err := a.Append(signal, jsonArray, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
}

func flush(t *testing.T, a *s3archive.Archive) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func decompress(t *testing.T, o fakes3.Object) string {
	t.Helper()
	b, err := o.Decoded()
	if err != nil {
		t.Fatalf("%s: %v", o.Key, err)
	}
	return string(b)
}

var keyPattern = regexp.MustCompile(`^loki_logs/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/minute=\d{2}/agent-logs_[0-9a-f]{16}\.json\.gz$`)

func TestArchiveUploadsTheRecordsJoinedSignedAndChecksummed(t *testing.T) {
	s := newS3(t)
	a := open(t, s.options(t, t.TempDir()))
	appendAll(t, a, "logs", `{"line":"one"}`, `{"line":"two"}`, `{"line":"three"}`)
	flush(t, a)

	objs := s.fake.Objects()
	if len(objs) != 1 {
		t.Fatalf("%d objects stored, want 1; rejected %v", len(objs), s.fake.Rejected())
	}
	o := objs[0]
	if got, want := decompress(t, o), `{"r":[{"line":"one"},{"line":"two"},{"line":"three"}]}`; got != want {
		t.Errorf("object holds %s, want %s", got, want)
	}
	if o.Bucket != "telemetry-archive" || !keyPattern.MatchString(o.Key) {
		t.Errorf("stored as %s/%s, want telemetry-archive/ and a key matching %s", o.Bucket, o.Key, keyPattern)
	}
	if o.Caller.Service != "s3" || o.Caller.Key.AccessKeyID != keyID {
		t.Errorf("signed as %+v", o.Caller)
	}
	if o.Header.Get("X-Amz-Checksum-Crc32") == "" || o.Header.Get("Content-Type") != "application/json" || o.Header.Get("X-Amz-Acl") != "" {
		t.Errorf("headers %v: want a CRC32 checksum, the format's type and no ACL", o.Header)
	}
	st := a.Stats()
	if st.Objects != 1 || st.Records != 3 || st.Pending != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.SpoolBytes != 0 {
		t.Errorf("the spool still counts %d bytes after the upload", st.SpoolBytes)
	}
}

func TestArchivePathStyleAtAnEndpointWithZstd(t *testing.T) {
	s := newS3(t)
	opts := s.options(t, t.TempDir())
	opts.Bucket.Endpoint, opts.Bucket.PathStyle, opts.Compression = s.endpoint, true, s3archive.Zstd
	opts.Transport = s.direct
	a := open(t, opts)
	appendAll(t, a, "traces", `1`, `2`)
	flush(t, a)
	objs := s.fake.Objects()
	if len(objs) != 1 || decompress(t, objs[0]) != `{"r":[1,2]}` || !strings.HasSuffix(objs[0].Key, ".json.zst") {
		t.Fatalf("objects %v, rejected %v", objs, s.fake.Rejected())
	}
}

// A process killed while filling a batch, or after S3 took an object but
// before it was removed, loses nothing and gives no batch a second key.
func TestArchiveAfterAKillLosesNothingAndKeepsKeys(t *testing.T) {
	s := newS3(t)
	dir := t.TempDir()
	opts := s.options(t, dir)

	killed := open(t, opts) // never flushed nor closed: as after kill -9
	appendAll(t, killed, "logs", `"a"`, `"b"`)
	// A record torn by the kill: its length promises more than was written.
	opens, _ := filepath.Glob(filepath.Join(dir, "*.open"))
	if len(opens) != 1 {
		t.Fatalf("spool holds %v", opens)
	}
	f, _ := os.OpenFile(opens[0], os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte{0, 0, 0, 9, '"', 'c'})
	f.Close()

	again := open(t, opts)
	flush(t, again)
	objs := s.fake.Objects()
	if len(objs) != 1 || decompress(t, objs[0]) != `{"r":["a","b"]}` {
		t.Fatalf("after the restart S3 holds %d objects (%v)", len(objs), s.fake.Rejected())
	}

	// Sealed and uploaded, then killed before the removal: the next start
	// uploads it again under the same key.
	appendAll(t, again, "logs", `"d"`)
	ctx := context.Background()
	sealedOnly := opts
	sealedOnly.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("no network") })
	offline := open(t, sealedOnly) // seals what again left open at Open
	_ = offline.Flush(ctx)
	objFiles, _ := filepath.Glob(filepath.Join(dir, "*.obj"))
	if len(objFiles) != 1 {
		t.Fatalf("spool holds %v, want one sealed object", objFiles)
	}
	copyOf, err := os.ReadFile(objFiles[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := open(t, opts).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(objFiles[0], copyOf, 0o600) // as if the removal never happened
	if err := open(t, opts).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	objs = s.fake.Objects()
	if len(objs) != 3 || objs[1].Key != objs[2].Key || decompress(t, objs[2]) != `{"r":["d"]}` {
		t.Fatalf("want the batch twice under one key, got %d objects: %v", len(objs), keys(objs))
	}
}

func keys(objs []fakes3.Object) []string {
	var k []string
	for _, o := range objs {
		k = append(k, o.Key)
	}
	return k
}

// A transport error is summarized without anything shaped like a secret.
func TestUploadErrorsCarryNoSecret(t *testing.T) {
	s := newS3(t)
	opts := s.options(t, t.TempDir())
	opts.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("proxy said: token=" + secret + " refused")
	})
	a := open(t, opts)
	appendAll(t, a, "logs", `"x"`)
	err := a.Flush(context.Background())
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "RequestError") {
		t.Fatalf("Flush: %v", err)
	}
	if st := a.Stats(); st.LastError == nil || strings.Contains(st.LastError.Error(), secret) {
		t.Fatalf("last error: %v", st.LastError)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestArchiveRetriesThrottlingAndServerErrorsUntilStored(t *testing.T) {
	s := newS3(t)
	a := open(t, s.options(t, t.TempDir()))
	s.fake.Fail("SlowDown", "InternalError", "hangup", "ServiceUnavailable")
	appendAll(t, a, "metrics", `"m"`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a.Flush(ctx) // seals; the first attempt meets SlowDown
	go a.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for a.Stats().Objects == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(s.fake.Objects()); n != 1 {
		t.Fatalf("%d objects stored after four failures, want 1", n)
	}
	st := a.Stats()
	if st.Failures["SlowDown"] != 1 || st.Failures["InternalError"] != 1 || st.Failures["RequestError"] != 1 || st.Failures["ServiceUnavailable"] != 1 {
		t.Errorf("failures counted %v", st.Failures)
	}
	if st.LastError != nil || st.Failing != 0 {
		t.Errorf("after a success the last error should clear: %+v", st)
	}
}

// What S3 refuses stays in the spool, in AWS's words, until it is taken.
func TestArchiveKeepsWhatS3RefusesAndSaysWhy(t *testing.T) {
	cases := []struct {
		name, code, want string
		setup            func(*s3archive.Options, *fakes3.Server)
		fix              func(*s3archive.Options, *fakes3.Server)
	}{
		{"no bucket", "NoSuchBucket", "bucket telemetry-archive-2 does not exist",
			func(o *s3archive.Options, _ *fakes3.Server) { o.Bucket.Name = "telemetry-archive-2" },
			func(_ *s3archive.Options, f *fakes3.Server) { f.AddBucket("telemetry-archive-2", account) }},
		{"another owner", "AccessDenied", "must belong to expected_bucket_owner 999988887777",
			func(o *s3archive.Options, _ *fakes3.Server) { o.Bucket.ExpectedOwner = "999988887777" },
			func(o *s3archive.Options, _ *fakes3.Server) { o.Bucket.ExpectedOwner = account }},
		{"denied", "AccessDenied", `needs the statement {"Sid":"S3PutObject","Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::telemetry-archive/loki_logs/*"]}`,
			func(_ *s3archive.Options, f *fakes3.Server) { f.Fail("AccessDenied") },
			func(*s3archive.Options, *fakes3.Server) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newS3(t)
			opts := s.options(t, t.TempDir())
			c.setup(&opts, s.fake)
			a := open(t, opts)
			appendAll(t, a, "logs", `"kept"`)
			err := a.Flush(context.Background())
			var ue *s3archive.UploadError
			if !errors.As(err, &ue) || ue.Code != c.code || !strings.Contains(ue.Error(), c.want) || ue.Retryable {
				t.Fatalf("Flush: %v; want %s naming %q", err, c.code, c.want)
			}
			if st := a.Stats(); st.Pending != 1 || st.LastError == nil || st.SpoolBytes == 0 {
				t.Errorf("the refused object should wait in the spool: %+v", st)
			}
			c.fix(&opts, s.fake)
			flush(t, open(t, opts))
			if objs := s.fake.Objects(); len(objs) != 1 || decompress(t, objs[0]) != `{"r":["kept"]}` {
				t.Fatalf("after the fix S3 holds %d objects", len(objs))
			}
		})
	}
}

// What S3 may answer differently next time — throttling, its own
// failures, no answer at all — is retryable (health waits before it turns
// unhealthy); the object waits and goes once S3 takes it. A transport
// error is told without the secret-shaped text it quoted.
func TestArchiveRetriesWhatS3MayAnswerDifferentlyNextTime(t *testing.T) {
	const quoted = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, c := range []struct{ name, code string }{
		{"SlowDown", "SlowDown"}, {"503", "ServiceUnavailable"}, {"500", "InternalError"}, {"no answer", "RequestError"},
		{"a proxy's 500", "InternalServerError"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newS3(t)
			opts := s.options(t, t.TempDir())
			failing := opts
			switch c.code {
			case "RequestError":
				failing.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) {
					return nil, errors.New("proxyconnect tcp: the proxy answered " + quoted)
				})
			case "InternalServerError":
				failing.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
					return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{"Content-Type": {"text/html"}},
						Body: io.NopCloser(strings.NewReader("<html>upstream down</html>")), Request: r}, nil
				})
			default:
				s.fake.Fail(c.code)
			}
			a := open(t, failing)
			appendAll(t, a, "logs", `"kept"`)
			err := a.Flush(context.Background())
			var ue *s3archive.UploadError
			if !errors.As(err, &ue) || ue.Code != c.code || !ue.Retryable {
				t.Fatalf("Flush: %v (%+v); want a retryable %s", err, ue, c.code)
			}
			if strings.Contains(err.Error(), quoted) {
				t.Fatalf("the error quotes a secret: %v", err)
			}
			flush(t, open(t, opts))
			if objs := s.fake.Objects(); len(objs) != 1 || decompress(t, objs[0]) != `{"r":["kept"]}` {
				t.Fatalf("after the retry S3 holds %d objects", len(objs))
			}
		})
	}
}

// The bucket's settings go on every PUT as S3 names them: the storage
// class, server-side encryption with the customer's KMS key.
func TestArchiveSendsTheBucketsSettings(t *testing.T) {
	s := newS3(t)
	opts := s.options(t, t.TempDir())
	opts.Bucket.StorageClass = "STANDARD_IA"
	opts.Bucket.ServerSideEncryption = "aws:kms"
	opts.Bucket.KMSKeyID = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	a := open(t, opts)
	appendAll(t, a, "logs", `"x"`)
	flush(t, a)
	objs := s.fake.Objects()
	if len(objs) != 1 {
		t.Fatalf("S3 holds %d objects", len(objs))
	}
	for name, want := range map[string]string{
		"X-Amz-Storage-Class":                         "STANDARD_IA",
		"X-Amz-Server-Side-Encryption":                "aws:kms",
		"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": opts.Bucket.KMSKeyID,
	} {
		if got := objs[0].Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestArchiveChecksumMismatchIsCaughtByS3(t *testing.T) {
	s := newS3(t)
	dir := t.TempDir()
	opts := s.options(t, dir)
	offline := opts
	offline.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("offline") })
	a := open(t, offline)
	appendAll(t, a, "logs", `"x"`)
	_ = a.Flush(context.Background())
	objFiles, _ := filepath.Glob(filepath.Join(dir, "*.obj"))
	if len(objFiles) != 1 {
		t.Fatalf("spool holds %v", objFiles)
	}
	// The metadata's CRC32 changed on disk: S3, not the exporter, notices.
	b, _ := os.ReadFile(objFiles[0])
	re := regexp.MustCompile(`"crc32":"[^"]+"`)
	if !re.Match(b) {
		t.Fatal("no crc32 in the object's metadata")
	}
	os.WriteFile(objFiles[0], re.ReplaceAll(b, []byte(`"crc32":"AAAAAA=="`)), 0o600)
	err := open(t, opts).Flush(context.Background())
	var ue *s3archive.UploadError
	if !errors.As(err, &ue) || ue.Code != "BadDigest" {
		t.Fatalf("Flush: %v, want BadDigest", err)
	}
	if len(s.fake.Objects()) != 0 || s.fake.Rejected()["BadDigest"] != 1 {
		t.Errorf("the server stored %d objects and refused %v", len(s.fake.Objects()), s.fake.Rejected())
	}
}

func TestArchiveRefusesPastTheSpoolLimit(t *testing.T) {
	s := newS3(t)
	opts := s.options(t, t.TempDir())
	opts.SpoolLimit = 1024
	a := open(t, opts)
	rec := `"` + strings.Repeat("x", 200) + `"`
	var kept, refused int
	for i := 0; i < 10; i++ {
		switch err := a.Append("logs", jsonArray, []byte(rec)); {
		case err == nil:
			kept++
		case errors.Is(err, s3archive.ErrSpoolFull):
			refused++
		default:
			t.Fatal(err)
		}
	}
	if kept == 0 || refused == 0 {
		t.Fatalf("kept %d, refused %d: want both", kept, refused)
	}
	st := a.Stats()
	if st.RefusedRecs != int64(refused) || st.SpoolBytes > 1024 {
		t.Errorf("stats %+v, refused %d", st, refused)
	}
	flush(t, a)
	if objs := s.fake.Objects(); len(objs) != 1 || strings.Count(decompress(t, objs[0]), `"x`) != kept {
		t.Errorf("S3 should hold the %d kept records", kept)
	}
}

func TestArchiveSealsByAgeAndSize(t *testing.T) {
	s := newS3(t)
	opts := s.options(t, t.TempDir())
	opts.BatchBytes, opts.BatchAge = 64, 50*time.Millisecond
	a := open(t, opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	appendAll(t, a, "logs", `"`+strings.Repeat("a", 70)+`"`, `"b"`)
	deadline := time.Now().Add(10 * time.Second)
	for len(s.fake.Objects()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	objs := s.fake.Objects()
	if len(objs) != 2 || objs[0].Key == objs[1].Key {
		t.Fatalf("want two objects (one sealed by size, one by age), got %v", keys(objs))
	}
}
