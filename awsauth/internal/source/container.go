package source

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
)

// ecsEndpoint is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points on ECS.
const ecsEndpoint = "http://169.254.170.2"

// FromContainer is the ECS task endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
// or the EKS Pod Identity agent (AWS_CONTAINER_CREDENTIALS_FULL_URI) with
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
func FromContainer(client *http.Client) Source {
	return Source{Name: Container, Find: func(ctx context.Context, env config.EnvConfig) (Found, error) {
		p, skip, err := containerProvider(ctx, env, client)
		return Found{Provider: p, Skip: skip}, err
	}}
}

func containerProvider(ctx context.Context, env config.EnvConfig, client *http.Client) (aws.CredentialsProvider, string, error) {
	var endpoint string
	switch {
	case env.ContainerCredentialsRelativePath != "":
		endpoint = ecsEndpoint + env.ContainerCredentialsRelativePath
	case env.ContainerCredentialsEndpoint != "":
		endpoint = env.ContainerCredentialsEndpoint
		if err := checkContainerURI(ctx, endpoint); err != nil {
			return nil, "", field.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI", "%v", err)
		}
	default:
		return nil, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set", nil
	}
	p := endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.HTTPClient = client
		// EnvConfig does not carry the token file; the SDK's own chain
		// reads this variable as it is read here.
		if file := os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); file != "" {
			// Read on every retrieve: EKS rotates the Pod Identity token.
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(file)
				if err != nil {
					return "", field.Errorf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "%v", field.Path(err))
				}
				return strings.TrimSpace(string(b)), nil
			})
		} else {
			o.AuthorizationToken = env.ContainerAuthorizationToken
		}
	})
	return p, "", nil
}

// checkContainerURI applies the SDK's rule for a full URI: plain http only
// to loopback and the ECS and EKS link-local agents, so that a token is never
// sent in the clear across a network. The SDK's own check is unexported
// (config's validateLocalURL), reachable only through LoadDefaultConfig's
// whole chain, which would try other sources first; so it is written here.
func checkContainerURI(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("%q is not a URL", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme != "http" {
		return fmt.Errorf("%q: scheme must be http or https", raw)
	}
	addrs := []string{u.Hostname()}
	if net.ParseIP(u.Hostname()) == nil {
		if addrs, err = net.DefaultResolver.LookupHost(ctx, u.Hostname()); err != nil {
			return fmt.Errorf("cannot resolve %q: %v", u.Hostname(), err)
		}
	}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || !(ip.IsLoopback() || ip.Equal(net.IPv4(169, 254, 170, 2)) ||
			ip.Equal(net.IPv4(169, 254, 170, 23)) || ip.Equal(net.ParseIP("fd00:ec2::23"))) {
			return fmt.Errorf("plain http is only allowed to loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23, not %s", u.Hostname())
		}
	}
	return nil
}
