package tests

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// Credentials that expire every 2 seconds, under continuous load for 60
// seconds: refreshed ahead of expiry every time, no request fails.
func TestCredentialsExpiringEveryTwoSecondsUnderLoad(t *testing.T) {
	h := newHarness(t)
	h.sts.TTL = 2 * time.Second
	ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: h.keys, Service: "aps", Region: "us-east-1", JSON: true, Accept: awsauthtest.AssumedRole(roleARN)}}
	url := h.serve(ep)
	a, err := awsauth.New(awsauth.Config{
		Credentials: chain.Config{
			Region:          "us-east-1",
			AccessKeyID:     baseKeyID,
			SecretAccessKey: baseSecret,
			RoleARN:         roleARN,
			ExternalID:      externalID,
			STSEndpoint:     h.stsURL,
		},
		ExpiryWindow: time.Second,
	}, awsauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	tr := a.Transport(nil, "")

	var sent, failed atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest("POST", url+"/workspaces/ws/api/v1/remote_write", strings.NewReader("samples"))
				req.Host = "aps-workspaces.us-east-1.amazonaws.com"
				resp, err := tr.RoundTrip(req)
				sent.Add(1)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = &httpStatusError{resp.StatusCode}
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	refreshes := len(h.sts.CallsOf("AssumeRole"))
	accepted, rejected := ep.Counts()
	t.Logf("%d requests, %d AssumeRole calls, accepted %d, rejected %v", sent.Load(), refreshes, accepted, rejected)
	if failed.Load() != 0 || len(rejected) != 0 || int64(accepted) != sent.Load() {
		t.Fatalf("%d of %d requests failed (first: %v); rejected %v", failed.Load(), sent.Load(), firstErr.Load(), rejected)
	}
	if refreshes < 30 {
		t.Fatalf("only %d refreshes in 60s of 2s credentials", refreshes)
	}
	if hl := a.Status().Health(time.Now()); !hl.Healthy {
		t.Fatalf("health after: %+v", hl)
	}
}

type httpStatusError struct{ code int }

func (e *httpStatusError) Error() string { return http.StatusText(e.code) }
