package source

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// IMDSTimeout bounds one IMDS attempt: off EC2 the token PUT may hang
// instead of failing, and the chain must move on to report it.
const IMDSTimeout = 5 * time.Second

// FromIMDS is the EC2 instance's role through IMDSv2 only, at
// AWS_EC2_METADATA_SERVICE_ENDPOINT when set, unless
// AWS_EC2_METADATA_DISABLED is true. It is the last resort: off EC2 its
// failure means that nothing was configured.
func FromIMDS(client *http.Client) Source {
	return Source{Name: IMDS, Find: func(_ context.Context, env config.EnvConfig) (Found, error) {
		if env.EC2IMDSClientEnableState == imds.ClientDisabled {
			return skipped("AWS_EC2_METADATA_DISABLED is true")
		}
		c := imds.New(imds.Options{
			Endpoint:       env.EC2IMDSEndpoint,
			HTTPClient:     client,
			EnableFallback: aws.FalseTernary, // IMDSv2 only
		})
		p := timeoutProvider{ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = c }), IMDSTimeout}
		return Found{Provider: p, LastResort: true}, nil
	}}
}

type timeoutProvider struct {
	aws.CredentialsProvider
	timeout time.Duration
}

func (p timeoutProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.CredentialsProvider.Retrieve(ctx)
}
