package tests

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
)

// versitygwModule is a real S3-compatible server written in Go that
// verifies SigV4 and checksums itself; the test builds it from the module
// proxy (go install, cached after the first time).
const versitygwModule = "github.com/versity/versitygw/cmd/versitygw@v1.8.0"

func startVersityGW(t *testing.T, keyID, secret string) (endpoint, root string) {
	t.Helper()
	bin := t.TempDir()
	install := exec.Command("go", "install", versitygwModule)
	install.Env = append(os.Environ(), append(goCaches, "GOBIN="+bin, "GOFLAGS=-mod=mod")...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install %s: %v\n%s", versitygwModule, err, out)
	}
	root = t.TempDir()
	addr := freeAddr(t)
	srv := exec.Command(filepath.Join(bin, "versitygw"), "--access", keyID, "--secret", secret, "--port", addr, "--quiet", "posix", root)
	var out bytes.Buffer
	srv.Stdout, srv.Stderr = &out, &out
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
		if t.Failed() {
			t.Logf("versitygw output:\n%s", out.String())
		}
	})
	endpoint = "http://" + addr
	eventually(t, 30*time.Second, "versitygw answers", func() bool {
		resp, err := http.Get(endpoint)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return endpoint, root
}

// The archive against a real S3-compatible server: it verifies the
// signature, the payload hash and the checksum on its own; the object it
// stored is read back from its disk.
func TestS3ArchiveAgainstARealS3CompatibleServer(t *testing.T) {
	// AWS's documented example keys, as every test here uses: they exist
	// nowhere but in the servers the tests start.
	const keyID, secret, bucket = baseKeyID, baseSecret, "archive"
	endpoint, root := startVersityGW(t, keyID, secret)
	signer := func(secret string) http.RoundTripper {
		a, err := awsauth.New(awsauth.Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: keyID, SecretAccessKey: secret}}, awsauth.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return a.Transport(http.DefaultTransport, "s3")
	}
	rt := signer(secret)

	create, _ := http.NewRequest(http.MethodPut, endpoint+"/"+bucket, nil)
	resp, err := rt.RoundTrip(create)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CreateBucket: %d %s", resp.StatusCode, answer)
	}

	format := s3archive.Format{Name: "otlp_json", ContentType: "application/json", Ext: "json", Head: []byte(`{"r":[`), Sep: []byte(","), Tail: []byte(`]}`)}
	opts := s3archive.Options{
		Dir:         t.TempDir(),
		Layout:      s3archive.Layout{Prefix: "loki_logs", Partition: s3archive.DefaultPartition},
		Bucket:      s3archive.Bucket{Name: bucket, Region: "us-east-1", Endpoint: endpoint, PathStyle: true},
		Compression: s3archive.Gzip,
		Transport:   rt,
	}
	a, err := s3archive.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{`"one"`, `"two"`, `"three"`} {
		if err := a.Append("logs", format, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Flush(ctx); err != nil {
		t.Fatalf("upload to versitygw: %v", err)
	}
	stored, _ := filepath.Glob(filepath.Join(root, bucket, "loki_logs", "year=*", "month=*", "day=*", "hour=*", "minute=*", "logs_*.json.gz"))
	if len(stored) != 1 {
		t.Fatalf("versitygw holds %v, want one object under the layout", stored)
	}
	z, err := gzip.NewReader(mustOpen(t, stored[0]))
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(z); string(body) != `{"r":["one","two","three"]}` {
		t.Errorf("the stored object holds %s", body)
	}

	// A checksum that does not match the body: the server refuses it.
	offline := opts
	offline.Dir = t.TempDir()
	offline.Transport = roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("offline") })
	b := open3(t, offline)
	_ = b.Append("logs", format, []byte(`"tampered"`))
	_ = b.Flush(ctx)
	objs, _ := filepath.Glob(filepath.Join(offline.Dir, "*.obj"))
	if len(objs) != 1 {
		t.Fatalf("spool holds %v", objs)
	}
	raw, _ := os.ReadFile(objs[0])
	crc := regexp.MustCompile(`"crc32":"[^"]+"`)
	os.WriteFile(objs[0], crc.ReplaceAll(raw, []byte(`"crc32":"AAAAAA=="`)), 0o600)
	online := offline
	online.Transport = rt
	err = open3(t, online).Flush(ctx)
	var ue *s3archive.UploadError
	if !errors.As(err, &ue) || ue.Status != http.StatusBadRequest {
		t.Errorf("a wrong CRC32: %v, want a 400 from the server", err)
	}

	// A signature made with another secret: the server refuses it.
	wrong := offline
	wrong.Transport = signer(secret + "x")
	err = open3(t, wrong).Flush(ctx)
	if !errors.As(err, &ue) || ue.Code != "SignatureDoesNotMatch" {
		t.Errorf("a wrong secret: %v, want SignatureDoesNotMatch", err)
	}
	if after, _ := filepath.Glob(filepath.Join(root, bucket, "loki_logs", "*", "*", "*", "*", "*", "*")); len(after) != 1 {
		t.Errorf("versitygw holds %d objects after the refusals, want 1", len(after))
	}
}

func open3(t *testing.T, opts s3archive.Options) *s3archive.Archive {
	a, err := s3archive.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustOpen(t *testing.T, path string) io.Reader {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
