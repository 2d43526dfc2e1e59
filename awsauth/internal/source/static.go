package source

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FromStatic is the configuration's access_key_id and secret_access_key
// (and session_token).
func FromStatic(accessKeyID, secretAccessKey, sessionToken string) Source {
	return Source{Name: Static, Find: func(context.Context, config.EnvConfig) (Found, error) {
		if accessKeyID == "" {
			return skipped("access_key_id is not set (or is empty: env() of an unset variable gives \"\")")
		}
		return Found{Provider: credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken)}, nil
	}}
}
