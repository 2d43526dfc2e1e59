package source

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// A Source is one place credentials come from. The chain walks a list of
// them in the SDKs' order and knows none by name.
type Source struct {
	// Name is how status, health and errors name the source.
	Name string
	// Find looks at the source's inputs in env and the configuration.
	Find func(ctx context.Context, env config.EnvConfig) (Found, error)
}

// Found is a source's answer: a Provider when its inputs are present,
// else why not in Skip. An error from Find means they are present but
// broken, and the chain stops there.
type Found struct {
	Provider aws.CredentialsProvider
	Skip     string
	// Name names the credentials when it says more than the source's
	// name: the profile, the role a web identity assumed.
	Name string
	// ProviderNames is set when the provider's Credentials.Source names
	// them (Roles Anywhere: the certificate).
	ProviderNames bool
	// UsedRole is set when the source assumed role_arn itself (a web
	// identity token without AWS_ROLE_ARN): the chain does not assume it
	// again.
	UsedRole bool
	// LastResort is set when a failing Provider means that nothing was
	// configured (IMDS off EC2): the chain reports no credentials rather
	// than the source's error.
	LastResort bool
}

// skipped is the answer of a source whose inputs are absent.
func skipped(why string) (Found, error) { return Found{Skip: why}, nil }
