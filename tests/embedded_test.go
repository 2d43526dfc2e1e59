package tests

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
	"github.com/grafana/agent/component"
)

// embedder is a component of another author that takes aws.auth's
// arguments as an `aws_auth { ... }` block and signs with them.
type embedderArgs struct {
	URL     string             `river:"url,attr"`
	AWSAuth awsriver.Arguments `river:"aws_auth,block"`
}

type embedder struct{}

func (embedder) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func (embedder) Update(args component.Arguments) error {
	a := args.(embedderArgs)
	cfg, base, err := a.AWSAuth.Convert()
	if err != nil {
		return err
	}
	auth, err := awsauth.New(cfg, awsauth.Options{})
	if err != nil {
		return err
	}
	req, _ := http.NewRequest("GET", a.URL, nil)
	resp, err := auth.Transport(base, a.AWSAuth.Service).RoundTrip(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func init() {
	component.Register(component.Registration{
		Name: "testing.aws_auth_embedder",
		Args: embedderArgs{},
		Build: func(_ component.Options, args component.Arguments) (component.Component, error) {
			e := embedder{}
			return e, e.Update(args)
		},
	})
}

func TestArgumentsEmbedAsAnAWSAuthBlock(t *testing.T) {
	h := newHarness(t)
	ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: h.keys, Service: "execute-api", Region: "eu-west-1"}}
	url := h.serve(ep)
	h.start(fmt.Sprintf(`
testing.aws_auth_embedder "x" {
	url = %q
	aws_auth {
		region            = "eu-west-1"
		service           = "execute-api"
		access_key_id     = %q
		secret_access_key = %q
		role_arn          = %q
		external_id       = %q
		sts_endpoint      = "${STS}"
	}
}
`, url+"/prod/items", baseKeyID, baseSecret, roleARN, externalID))
	eventually(t, 5*time.Second, "the embedded block signed a request", func() bool {
		ok, _ := ep.Counts()
		return ok == 1
	})
	if calls := h.sts.CallsOf("AssumeRole"); len(calls) != 1 || calls[0].Params.Get("ExternalId") != externalID {
		t.Fatalf("AssumeRole calls %+v", calls)
	}
}
