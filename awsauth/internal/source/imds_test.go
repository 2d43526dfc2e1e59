package source

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// An IMDS whose token request hangs while it accepts connections (the hop
// limit of 1 seen from a container) is named as such, with what to do —
// not the SDK's "context deadline exceeded" alone; an IMDS that refuses
// connections is not taken for it.
func TestIMDSHopLimitIsNamed(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	p := imdsProvider{ec2rolecreds.New(func(o *ec2rolecreds.Options) {
		o.Client = imds.New(imds.Options{Endpoint: srv.URL, EnableFallback: aws.FalseTernary})
	}), 500 * time.Millisecond, imdsAddress(srv.URL)}
	_, err := p.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "hop limit of 1") || !strings.Contains(err.Error(), "--http-put-response-hop-limit 2") {
		t.Fatalf("a hanging token request: %v", err)
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	addr := closed.URL
	closed.Close()
	p = imdsProvider{ec2rolecreds.New(func(o *ec2rolecreds.Options) {
		o.Client = imds.New(imds.Options{Endpoint: addr, EnableFallback: aws.FalseTernary})
	}), 500 * time.Millisecond, imdsAddress(addr)}
	if _, err := p.Retrieve(context.Background()); err == nil || strings.Contains(err.Error(), "hop limit") {
		t.Fatalf("a refused connection: %v", err)
	}
}
