package source

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FromEnvironment is AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN). One of the pair without the other is an error.
func FromEnvironment() Source {
	return Source{Name: Environment, Find: func(_ context.Context, env config.EnvConfig) (Found, error) {
		if !env.Credentials.HasKeys() {
			if env.Credentials.AccessKeyID != "" || env.Credentials.SecretAccessKey != "" {
				return Found{}, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
			}
			return skipped("AWS_ACCESS_KEY_ID is not set")
		}
		return Found{Provider: credentials.StaticCredentialsProvider{Value: env.Credentials}}, nil
	}}
}
