package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"go.uber.org/goleak"
)

// 100 rapid updates with changing arguments, under load: no request
// fails, and once Run returns no goroutine of the component is left.
func TestRapidUpdatesUnderLoad(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	awsauthtest.IsolateEnv(t)

	keys := awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: testKeyID, SecretAccessKey: testSecret})
	ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: keys}}
	srv := httptest.NewServer(ep)
	defer srv.Close()

	var l exportsLog
	c, err := New(testOptions(&l), staticArgs("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() { _ = c.Run(ctx); close(runDone) }()

	var sent, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", srv.URL+"/workspaces/ws/api/v1/remote_write", strings.NewReader("samples"))
				req.Host = "aps-workspaces.us-east-1.amazonaws.com"
				resp, err := l.last().Transport.RoundTrip(req)
				sent.Add(1)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = &statusError{resp.StatusCode}
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}

	regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
	for i := 0; i < 100; i++ {
		args := staticArgs(regions[i%len(regions)])
		if i%2 == 1 {
			args.Service = "aps"
		}
		args.ExpiryWindow = time.Duration(1+i%5) * time.Minute
		if err := c.Update(args); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	cancel()
	<-runDone
	srv.CloseClientConnections()

	if failed.Load() != 0 || sent.Load() < 100 {
		t.Fatalf("%d of %d requests failed (first: %v)", failed.Load(), sent.Load(), firstErr.Load())
	}
	if accepted, rejected := ep.Counts(); int64(accepted) != sent.Load() || len(rejected) != 0 {
		t.Fatalf("sent %d, accepted %d, rejected %v", sent.Load(), accepted, rejected)
	}
	for s := range ep.Signers() {
		if s.Region != "us-east-1" || s.Service != "aps" {
			t.Fatalf("a request to aps-workspaces.us-east-1 was signed for %s/%s", s.Region, s.Service)
		}
	}

	// After the reloads, a host that names no region is signed for the
	// region of the last one: a fake that accepts only that region says so.
	for _, region := range regions {
		pinned := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: keys, Service: "aps", Region: region}}
		psrv := httptest.NewServer(pinned)
		args := staticArgs(region)
		args.Service = "aps"
		if err := c.Update(args); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", psrv.URL+"/api/v1/remote_write", strings.NewReader("samples"))
		req.Host = "prometheus.internal.example"
		resp, err := l.last().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		psrv.Close()
		if _, rejected := pinned.Counts(); resp.StatusCode != 200 || len(rejected) != 0 {
			t.Fatalf("after a reload to %s: status %d, rejected %v", region, resp.StatusCode, rejected)
		}
	}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }
