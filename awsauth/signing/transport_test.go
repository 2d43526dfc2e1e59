package signing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// keyProvider hands out keys from a list, one per fetch, the last forever.
type keyProvider struct {
	mu    sync.Mutex
	keys  []awsauthtest.Key
	calls int
}

func (p *keyProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.keys[min(p.calls, len(p.keys)-1)]
	p.calls++
	return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken,
		CanExpire: true, Expires: time.Now().Add(time.Hour), Source: "test"}, nil
}

// signedEndpoint is a fake service on loopback verifying for service/region.
func signedEndpoint(t *testing.T, keys *awsauthtest.Keyring, service, region string) (*fakeaws.Endpoint, *httptest.Server) {
	t.Helper()
	ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: keys, Service: service, Region: region, S3Paths: service == "s3", JSON: true}}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	return ep, srv
}

func newTestTransport(keys ...awsauthtest.Key) (*Retry, *keyProvider, *stats.Stats) {
	p := &keyProvider{keys: keys}
	st := &stats.Stats{}
	c := cache.New(p, cache.Options{})
	return &Retry{Next: &Transport{Source: c, Scope: Scope{Region: "us-east-1"}, Clock: &Clock{}, Stats: st}, Refresher: c}, p, st
}

var validKey = awsauthtest.Key{AccessKeyID: "ASIAVALIDEXAMPLE0001", SecretAccessKey: "valid/secret+key", SessionToken: "valid-session-token", ARN: "arn:aws:sts::111122223333:assumed-role/r/s"}

// request builds a request to the loopback server that claims to be host.
func request(t *testing.T, srvURL, host, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", srvURL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/x-protobuf")
	return req
}

func TestTransportSignsForEveryInferredService(t *testing.T) {
	keys := awsauthtest.NewKeyring(validKey)
	for _, c := range []struct{ host, path, service, region string }{
		{"aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws-1/api/v1/remote_write", "aps", "us-east-1"},
		{"xray.us-west-2.amazonaws.com", "/v1/traces", "xray", "us-west-2"},
		{"logs.eu-west-1.amazonaws.com", "/v1/logs", "logs", "eu-west-1"},
		{"monitoring.us-east-1.amazonaws.com", "/", "monitoring", "us-east-1"},
		{"search-d-abc.eu-central-1.es.amazonaws.com", "/_bulk", "es", "eu-central-1"},
		{"coll1.us-east-1.aoss.amazonaws.com", "/index/_doc", "aoss", "us-east-1"},
		{"pipe-1.us-east-1.osis.amazonaws.com", "/log/ingest", "osis", "us-east-1"},
		{"a1b2.execute-api.us-east-2.amazonaws.com", "/prod/loki/api/v1/push", "execute-api", "us-east-2"},
		{"fn.lambda-url.us-east-1.on.aws", "/", "lambda", "us-east-1"},
		{"bucket.s3.us-west-2.amazonaws.com", "/dir/my%20file.txt", "s3", "us-west-2"},
		{"sts.amazonaws.com", "/", "sts", "us-east-1"},
		{"vpce-0abc-def.aps-workspaces.us-east-1.vpce.amazonaws.com", "/workspaces/ws-2/api/v1/remote_write", "aps", "us-east-1"},
		{"logs.cn-north-1.amazonaws.com.cn", "/v1/logs", "logs", "cn-north-1"},
	} {
		t.Run(c.service+"/"+c.host, func(t *testing.T) {
			ep, srv := signedEndpoint(t, keys, c.service, c.region)
			tr, _, _ := newTestTransport(validKey)
			for _, body := range []func() io.Reader{
				func() io.Reader { return bytes.NewReader([]byte("replayable body")) },
				func() io.Reader { return io.NopCloser(strings.NewReader("streamed body")) }, // no GetBody
				func() io.Reader { return nil },
			} {
				resp, err := tr.RoundTrip(request(t, srv.URL, c.host, c.path+"?b=1&a=x%2Fy", body()))
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, msg)
				}
			}
			if ok, rejected := ep.Counts(); ok != 3 || len(rejected) != 0 {
				t.Fatalf("accepted %d rejected %v", ok, rejected)
			}
		})
	}
}

func TestTransportLeavesTheCallersRequestAlone(t *testing.T) {
	keys := awsauthtest.NewKeyring(validKey)
	_, srv := signedEndpoint(t, keys, "aps", "us-east-1")
	tr, _, _ := newTestTransport(validKey)
	body := []byte("samples")
	req := request(t, srv.URL, "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws/api/v1/remote_write", bytes.NewReader(body))
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	wantHeader := req.Header.Clone()
	wantURL := *req.URL
	wantHost, wantLen := req.Host, req.ContentLength

	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", err, resp)
	}
	resp.Body.Close()
	if !reflect.DeepEqual(req.Header, wantHeader) || *req.URL != wantURL || req.Host != wantHost || req.ContentLength != wantLen {
		t.Fatalf("caller's request changed: %v %v %q", req.Header, req.URL, req.Host)
	}
	// The caller's body was sent, not consumed behind its back: GetBody still replays it whole.
	r, _ := req.GetBody()
	if b, _ := io.ReadAll(r); !bytes.Equal(b, body) {
		t.Fatalf("GetBody gives %q", b)
	}
}

func TestTransportRefreshesAndRetriesOnceOnExpiredToken(t *testing.T) {
	expired := awsauthtest.Key{AccessKeyID: "ASIAEXPIREDEXAMPLE01", SecretAccessKey: "old", SessionToken: "old-token", Expires: time.Now().Add(-time.Minute)}
	keys := awsauthtest.NewKeyring(expired, validKey)
	ep, srv := signedEndpoint(t, keys, "xray", "us-east-1")
	tr, p, stats := newTestTransport(expired, validKey)

	resp, err := tr.RoundTrip(request(t, srv.URL, "xray.us-east-1.amazonaws.com", "/v1/traces", bytes.NewReader([]byte("spans"))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ok, rejected := ep.Counts()
	if resp.StatusCode != 200 || ok != 1 || rejected["ExpiredTokenException"] != 1 || p.calls != 2 {
		t.Fatalf("status %d accepted %d rejected %v fetches %d", resp.StatusCode, ok, rejected, p.calls)
	}
	if snap := stats.Snapshot(); snap.Retries["expired_token"] != 1 || snap.LastError == nil || snap.LastError.Class != classify.Expired {
		t.Fatalf("stats %+v", snap)
	}
}

func TestTransportDoesNotRetryForever(t *testing.T) {
	expired := awsauthtest.Key{AccessKeyID: "ASIAEXPIREDEXAMPLE01", SecretAccessKey: "old", Expires: time.Now().Add(-time.Minute)}
	keys := awsauthtest.NewKeyring(expired)
	ep, srv := signedEndpoint(t, keys, "xray", "us-east-1")
	tr, _, _ := newTestTransport(expired)
	resp, err := tr.RoundTrip(request(t, srv.URL, "xray.us-east-1.amazonaws.com", "/v1/traces", strings.NewReader("spans")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// AWS's answer reaches the caller whole; the refresh handed back the
	// refused key, so the request was not sent again with it.
	if _, rejected := ep.Counts(); resp.StatusCode != 403 || rejected["ExpiredTokenException"] != 1 || !strings.Contains(string(b), "expired") {
		t.Fatalf("status %d rejected %v body %s", resp.StatusCode, rejected, b)
	}
}

func TestTransportCorrectsClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{15 * time.Minute, -15 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			keys := awsauthtest.NewKeyring(validKey)
			ep, srv := signedEndpoint(t, keys, "logs", "us-east-1")
			ep.Verifier.Now = func() time.Time { return time.Now().Add(skew) }
			tr, _, stats := newTestTransport(validKey)
			for i := 0; i < 2; i++ {
				resp, err := tr.RoundTrip(request(t, srv.URL, "logs.us-east-1.amazonaws.com", "/v1/logs", bytes.NewReader([]byte("records"))))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("request %d: status %d", i, resp.StatusCode)
				}
			}
			// One rejection, then both requests accepted: the second signed with the learned offset.
			if ok, rejected := ep.Counts(); ok != 2 || rejected["RequestTimeTooSkewed"] != 1 {
				t.Fatalf("accepted %d rejected %v", ok, rejected)
			}
			if d := tr.Next.Clock.Offset() - skew; d.Abs() > 2*time.Second {
				t.Fatalf("offset %s, want about %s", tr.Next.Clock.Offset(), skew)
			}
			if snap := stats.Snapshot(); snap.Retries["clock_skew"] != 1 || (snap.ClockSkew-skew).Abs() > 2*time.Second {
				t.Fatalf("stats %+v", snap)
			}
		})
	}
}

// Once the clocks agree again, the learned offset goes: one more
// rejection, then requests are signed with our own clock.
func TestTransportForgetsTheOffsetOnceClocksAgree(t *testing.T) {
	keys := awsauthtest.NewKeyring(validKey)
	ep, srv := signedEndpoint(t, keys, "logs", "us-east-1")
	var skew atomic.Int64
	skew.Store(int64(-10 * time.Minute))
	ep.Verifier.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	tr, _, stats := newTestTransport(validKey)
	send := func() {
		t.Helper()
		resp, err := tr.RoundTrip(request(t, srv.URL, "logs.us-east-1.amazonaws.com", "/v1/logs", bytes.NewReader([]byte("records"))))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	send()
	if d := tr.Next.Clock.Offset() + 10*time.Minute; d.Abs() > 2*time.Second {
		t.Fatalf("offset %s, want about -10m", tr.Next.Clock.Offset())
	}
	skew.Store(0)
	send()
	send()
	if ok, rejected := ep.Counts(); ok != 3 || rejected["RequestTimeTooSkewed"] != 2 {
		t.Fatalf("accepted %d rejected %v, want 3 accepted after 2 rejections", ok, rejected)
	}
	if tr.Next.Clock.Offset() != 0 || stats.Snapshot().ClockSkew != 0 {
		t.Fatalf("offset %s, skew %s after the clocks agree, want 0", tr.Next.Clock.Offset(), stats.Snapshot().ClockSkew)
	}
}

// An answer from a host the customer runs (API Gateway's integration, a
// function URL, an allowed host) cannot move the clock every signature
// uses, nor force a refresh: it costs nothing but its own request.
func TestTransportBelievesOnlyAWSAboutTheSignature(t *testing.T) {
	for _, c := range []struct {
		name, header, body string
	}{
		{"poisoned Date", "", `<Error><Code>RequestTimeTooSkewed</Code><Message>skewed</Message></Error>`},
		{"signature mismatch", "", `<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>`},
		{"expired token", "ExpiredTokenException", `{"message":"The security token included in the request is expired"}`},
	} {
		for _, host := range []string{"a1b2c3.execute-api.us-east-1.amazonaws.com", "abc.lambda-url.us-east-1.on.aws"} {
			t.Run(c.name+"/"+host, func(t *testing.T) {
				var hits atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					w.Header().Set("Date", time.Now().Add(-6*time.Hour).UTC().Format(http.TimeFormat))
					if c.header != "" {
						w.Header().Set("X-Amzn-ErrorType", c.header)
					}
					w.WriteHeader(http.StatusForbidden)
					_, _ = io.WriteString(w, c.body)
				}))
				defer srv.Close()
				tr, p, stats := newTestTransport(validKey)
				tr.Next.Scope.Service = "execute-api"
				resp, err := tr.RoundTrip(request(t, srv.URL, host, "/x", strings.NewReader("x")))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 403 || hits.Load() != 1 || p.calls != 1 || tr.Next.Clock.Offset() != 0 || len(stats.Snapshot().Retries) != 0 {
					t.Fatalf("status %d, upstream hit %d times, %d credential fetches, offset %s, retries %v",
						resp.StatusCode, hits.Load(), p.calls, tr.Next.Clock.Offset(), stats.Snapshot().Retries)
				}
			})
		}
	}
}

// Content-Length is signed whenever the length is known, as the AWS SDKs
// sign it: a body that can be re-read, one read into memory, and one of
// unknown length (read into memory, so then known), chunked or not.
func TestTransportSignsContentLength(t *testing.T) {
	keys := awsauthtest.NewKeyring(validKey)
	var mu sync.Mutex
	var signed []string
	ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: keys, Service: "aps", Region: "us-east-1"},
		Next: func(w http.ResponseWriter, r *http.Request, body []byte, _ awsauthtest.Caller) {
			mu.Lock()
			signed = append(signed, r.Header.Get("Authorization"))
			mu.Unlock()
		}}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	tr, _, _ := newTestTransport(validKey)
	for name, body := range map[string]func() io.Reader{
		"replayable":     func() io.Reader { return strings.NewReader("twelve bytes") },
		"known length":   func() io.Reader { return io.LimitReader(strings.NewReader("twelve bytes"), 100) },
		"unknown length": func() io.Reader { return io.MultiReader(strings.NewReader("twelve "), strings.NewReader("bytes")) },
		// As a gateway receives it: the signed length must go on the wire.
		"received chunked": func() io.Reader { return io.MultiReader(strings.NewReader("twelve bytes")) },
	} {
		mu.Lock()
		signed = nil
		mu.Unlock()
		req := request(t, srv.URL, "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws/api/v1/remote_write", body())
		switch name {
		case "known length":
			req.ContentLength = 12
		case "received chunked":
			req.ContentLength, req.TransferEncoding = -1, []string{"chunked"}
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", name, resp.StatusCode)
		}
		mu.Lock()
		if len(signed) != 1 || !strings.Contains(signed[0], "SignedHeaders=content-length;content-type;host;") {
			t.Errorf("%s: Authorization %q, want content-length signed", name, signed)
		}
		mu.Unlock()
	}
}

// Only the answers that mean the credentials are refused force a refresh,
// only from an endpoint of the credentials' own partition, and a burst of
// them costs one refresh (#23: a request to another partition made one
// AssumeRole each). Each case sends 20 requests with a source that hands
// out a new key on every fetch, as AssumeRole does.
func TestOnlyRefusedCredentialsForceARefresh(t *testing.T) {
	keys := make([]awsauthtest.Key, 30)
	for i := range keys {
		keys[i] = awsauthtest.Key{AccessKeyID: fmt.Sprintf("ASIAROTATING%08d", i), SecretAccessKey: "secret", SessionToken: "token"}
	}
	for _, c := range []struct {
		name, host string
		answer     awsauthtest.Error
		fetches    int // 1: the first only, no forced refresh
	}{
		{"another partition's endpoint", "logs.cn-north-1.amazonaws.com.cn", awsauthtest.Error{Status: 400, Code: "UnrecognizedClientException", JSON: true}, 1},
		{"RequestExpired is about the request", "logs.us-east-1.amazonaws.com", awsauthtest.Error{Status: 400, Code: "RequestExpired"}, 1},
		{"IncompleteSignature is about the request", "logs.us-east-1.amazonaws.com", awsauthtest.Error{Status: 403, Code: "IncompleteSignature"}, 1},
		{"MissingAuthenticationTokenException", "logs.us-east-1.amazonaws.com", awsauthtest.Error{Status: 403, Code: "MissingAuthenticationTokenException", JSON: true}, 1},
		{"ExpiredToken with a 500", "logs.us-east-1.amazonaws.com", awsauthtest.Error{Status: 500, Code: "ExpiredToken"}, 1},
		{"ExpiredToken, twenty times", "logs.us-east-1.amazonaws.com", awsauthtest.Error{Status: 403, Code: "ExpiredToken"}, 2},
		{"UnrecognizedClientException in the partition", "xray.us-east-1.amazonaws.com", awsauthtest.Error{Status: 400, Code: "UnrecognizedClientException", JSON: true}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				e := c.answer
				e.Write(w)
			}))
			defer srv.Close()
			tr, p, _ := newTestTransport(keys...)
			for i := 0; i < 20; i++ {
				resp, err := tr.RoundTrip(request(t, srv.URL, c.host, "/v1/logs", strings.NewReader("records")))
				if err != nil {
					t.Fatal(err)
				}
				discard(resp)
				if resp.StatusCode != c.answer.Status {
					t.Fatalf("status %d, want AWS's %d", resp.StatusCode, c.answer.Status)
				}
			}
			if p.calls != c.fetches {
				t.Fatalf("%d credential fetches for 20 such answers, want %d", p.calls, c.fetches)
			}
		})
	}
}
