package source

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/config"
)

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
