package source

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
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
		p := imdsProvider{ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = c }), IMDSTimeout, imdsAddress(env.EC2IMDSEndpoint)}
		return Found{Provider: p, LastResort: true}, nil
	}}
}

// imdsProvider bounds each attempt by timeout, and names the hop limit
// when the token request hangs while IMDS accepts connections: IMDSv2's
// token answer leaves the instance with a TTL of the hop limit, 1 by
// default, which a container's extra hop drops — the classic trap of a
// container on EC2, which the SDK reports as "context deadline exceeded".
type imdsProvider struct {
	aws.CredentialsProvider
	timeout time.Duration
	addr    string // host:port of the metadata service
}

func (p imdsProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	attempt, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	creds, err := p.CredentialsProvider.Retrieve(attempt)
	if err == nil || attempt.Err() == nil || ctx.Err() != nil {
		return creds, err
	}
	conn, derr := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", p.addr)
	if derr != nil {
		return creds, err
	}
	conn.Close()
	return creds, fmt.Errorf("the IMDSv2 token request got no answer within %s, though %s accepts connections: in a container on EC2 that is the instance's hop limit of 1, which drops the answer — raise it to 2 (aws ec2 modify-instance-metadata-options --instance-id ID --http-put-response-hop-limit 2) or give the pod its own identity (IRSA, EKS Pod Identity): %w",
		p.timeout, p.addr, err)
}

// imdsAddress is the host:port of the metadata service: the endpoint's
// (AWS_EC2_METADATA_SERVICE_ENDPOINT), else IMDS's IPv4 address.
func imdsAddress(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		if u.Port() == "" {
			return net.JoinHostPort(u.Hostname(), "80")
		}
		return u.Host
	}
	return "169.254.169.254:80"
}
