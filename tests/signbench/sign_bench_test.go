package signbench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/sigv4authextension"
	promsigv4 "github.com/prometheus/common/sigv4"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/auth"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	promconfig "github.com/prometheus/common/config"
)

const (
	keyID  = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	url    = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
)

// noop answers 200 without sending: what is measured is the signing.
type noop struct{}

func (noop) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}

func ours(b testing.TB) http.RoundTripper {
	a, err := awsauth.New(awsauth.Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: keyID, SecretAccessKey: secret}}, awsauth.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return a.Transport(noop{}, "")
}

func contrib(b testing.TB) http.RoundTripper {
	b.Setenv("AWS_ACCESS_KEY_ID", keyID)
	b.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	f := sigv4authextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*sigv4authextension.Config)
	cfg.Region, cfg.Service = "us-east-1", "aps"
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	ext, err := f.CreateExtension(context.Background(), extension.CreateSettings{TelemetrySettings: componenttest.NewNopTelemetrySettings()}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	rt, err := ext.(auth.Client).RoundTripper(noop{})
	if err != nil {
		b.Fatal(err)
	}
	return rt
}

func prometheus(b testing.TB) http.RoundTripper {
	rt, err := promsigv4.NewSigV4RoundTripper(&promsigv4.SigV4Config{Region: "us-east-1", AccessKey: keyID, SecretKey: promconfig.Secret(secret)}, noop{})
	if err != nil {
		b.Fatal(err)
	}
	return rt
}

var signers = []struct {
	name string
	make func(testing.TB) http.RoundTripper
}{
	{"transport", ours},
	{"contrib", contrib},
	{"prometheus", prometheus},
}

var sizes = []int{1 << 10, 64 << 10, 1 << 20}

// BenchmarkSign sends through each signer with a body that has GetBody
// (bytes.Reader, as remote_write and otlphttp send), at each size.
func BenchmarkSign(b *testing.B) {
	for _, size := range sizes {
		body := bytes.Repeat([]byte{'x'}, size)
		b.Run(fmt.Sprintf("floor/%dKiB", size>>10), func(b *testing.B) { benchFloor(b, body) })
		for _, s := range signers {
			b.Run(fmt.Sprintf("%s/%dKiB", s.name, size>>10), func(b *testing.B) {
				rt := s.make(b)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					send(b, rt, req)
				}
			})
		}
	}
}

// BenchmarkSignStreamed: a 64 KiB body without GetBody, which has to be
// read to be hashed.
func BenchmarkSignStreamed(b *testing.B) {
	body := bytes.Repeat([]byte{'x'}, 64<<10)
	for _, s := range signers {
		b.Run(s.name+"/64KiB", func(b *testing.B) {
			rt := s.make(b)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("POST", url, io.NopCloser(bytes.NewReader(body)))
				req.ContentLength = int64(len(body))
				send(b, rt, req)
			}
		})
	}
}

// send signs req through rt and checks that what reached the transport
// beneath carries a signature with the key: a signer that skipped signing
// would be fast for nothing.
func send(b *testing.B, rt http.RoundTripper, req *http.Request) {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	auth := resp.Request.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+keyID+"/") || len(auth) < len(auth[:strings.LastIndex(auth, "Signature=")])+len("Signature=")+64 {
		b.Fatalf("no signature reached the transport: %q", auth)
	}
}

// benchFloor is the least any SigV4 signer must do: hash the body, derive
// the key (four HMACs) and sign the string to sign (one more).
func benchFloor(b *testing.B, body []byte) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	sts := []byte("AWS4-HMAC-SHA256\n20261127T100000Z\n20261127/us-east-1/aps/aws4_request\n" + hex.EncodeToString(make([]byte, 32)))
	for i := 0; i < b.N; i++ {
		sum := sha256.Sum256(body)
		_ = sum
		k := []byte("AWS4" + secret)
		for _, part := range []string{"20261127", "us-east-1", "aps", "aws4_request"} {
			m := hmac.New(sha256.New, k)
			m.Write([]byte(part))
			k = m.Sum(nil)
		}
		m := hmac.New(sha256.New, k)
		m.Write(sts)
		_ = m.Sum(nil)
	}
}

// BenchmarkCachedCredentials is the credentials hot path; run with -cpu 1,2.
func BenchmarkCachedCredentials(b *testing.B) {
	c := cache.New(credentials.NewStaticCredentialsProvider(keyID, secret, "token"), cache.Options{})
	if _, err := c.Retrieve(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		creds := aws.Credentials{AccessKeyID: keyID} // for a goroutine given no iteration
		for pb.Next() {
			creds, _ = c.Retrieve(ctx)
		}
		if creds.AccessKeyID != keyID {
			b.Errorf("Retrieve handed out %q", creds.AccessKeyID)
		}
	})
}
