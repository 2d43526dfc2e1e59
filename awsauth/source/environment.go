package source

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FromEnvironment is AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN). One of the pair without the other is an error.
func FromEnvironment(env config.EnvConfig) (aws.CredentialsProvider, string, error) {
	if !env.Credentials.HasKeys() {
		if env.Credentials.AccessKeyID != "" || env.Credentials.SecretAccessKey != "" {
			return nil, "", errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
		}
		return nil, "AWS_ACCESS_KEY_ID is not set", nil
	}
	return credentials.StaticCredentialsProvider{Value: env.Credentials}, "", nil
}

// Endpoint is the endpoint the environment names for the service with
// the SDK ID sdkID: AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL,
// unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; "" when none.
func Endpoint(ctx context.Context, env config.EnvConfig, sdkID string) string {
	if ignore, _, _ := env.GetIgnoreConfiguredEndpoints(ctx); ignore {
		return ""
	}
	if ep, ok, _ := env.GetServiceBaseEndpoint(ctx, sdkID); ok {
		return ep
	}
	return env.BaseEndpoint
}
