package chain

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/field"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/source"
)

// A lookup looks at a source's inputs and, when they are present, returns
// the SDK provider that fetches credentials from them. When they are
// absent it returns a nil provider and says why in skip. usedRole reports
// that the source consumed role_arn itself (web identity without
// AWS_ROLE_ARN).
type lookup func(ctx context.Context, env config.EnvConfig) (p aws.CredentialsProvider, skip string, usedRole bool, err error)

type namedLookup struct {
	name   string
	lookup lookup
}

// sources are the sources in the order the SDKs walk them; Roles Anywhere,
// when configured, alone.
func (c *Chain) sources() []namedLookup {
	if c.cfg.RolesAnywhere != nil {
		return []namedLookup{{rolesanywhere.Source, c.rolesAnywhereSource}}
	}
	client := c.cfg.httpClient()
	return []namedLookup{
		{source.Static, c.staticSource},
		{source.Environment, func(_ context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
			p, skip, err := source.FromEnvironment(env)
			return p, skip, false, err
		}},
		{source.WebIdentity, c.webIdentitySource},
		{source.Profile, func(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
			p, skip, err := c.profile(env).Provider(ctx, client, c.sts().Region)
			return p, skip, false, err
		}},
		{source.Container, func(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
			p, skip, err := source.FromContainer(ctx, env, client)
			return p, skip, false, err
		}},
		{source.IMDS, func(_ context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
			p, skip := source.FromIMDS(env, client)
			return p, skip, false, nil
		}},
	}
}

func (c *Chain) staticSource(context.Context, config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	if c.cfg.AccessKeyID == "" {
		return nil, "access_key_id is not set", false, nil
	}
	return credentials.NewStaticCredentialsProvider(c.cfg.AccessKeyID, c.cfg.SecretAccessKey, c.cfg.SessionToken), "", false, nil
}

// webIdentitySource is the chain's own, not package source's: it decides
// whether role_arn is consumed here or assumed afterwards.
func (c *Chain) webIdentitySource(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	name, file := "web_identity_token_file", c.cfg.WebIdentityTokenFile
	if file == "" {
		name, file = "AWS_WEB_IDENTITY_TOKEN_FILE", env.WebIdentityTokenFilePath
	}
	if file == "" {
		return nil, "neither web_identity_token_file nor AWS_WEB_IDENTITY_TOKEN_FILE is set", false, nil
	}
	if _, err := os.Stat(file); err != nil {
		return nil, "", false, field.Errorf(name, "cannot read the token file: %v", field.Path(err))
	}
	// IRSA's role assuming itself: STS refuses it with an AccessDenied
	// that names neither setting, unless the role's trust policy trusts
	// the role itself, which nobody means to write.
	if env.RoleARN != "" && strings.EqualFold(env.RoleARN, c.cfg.RoleARN) {
		return nil, "", false, field.Errorf("role_arn", "%q is also AWS_ROLE_ARN, the role the web identity token already gives (IRSA): "+
			"assuming it again from itself fails with AccessDenied; remove role_arn, or set it to another role to assume from this one", c.cfg.RoleARN)
	}
	role, usedRole := env.RoleARN, false
	if role == "" {
		role, usedRole = c.cfg.RoleARN, true
	}
	if role == "" {
		return nil, "", false, field.Errorf("role_arn", "a web identity token needs a role: set AWS_ROLE_ARN or role_arn")
	}
	client, err := c.sts().Client(ctx, env, nil)
	if err != nil {
		return nil, "", false, err
	}
	session := env.RoleSessionName
	if session == "" {
		session = c.sessionName()
	}
	var duration time.Duration // the role's default, unless role_arn is ours
	if usedRole {
		duration = c.cfg.assumeRoleDuration()
	}
	return source.FromWebIdentity(client, file, role, session, duration), "", usedRole, nil
}

func (c *Chain) profile(env config.EnvConfig) source.SharedProfile {
	return source.NewSharedProfile(env, c.cfg.Profile, c.cfg.SharedCredentialsFiles, c.cfg.SharedConfigFiles)
}

// rolesAnywhereSource is IAM Roles Anywhere, the only source when
// configured.
func (c *Chain) rolesAnywhereSource(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	return rolesanywhere.New(c.cfg.RolesAnywhere, rolesanywhere.Options{
		Region:          c.cfg.Region,
		Endpoint:        source.Endpoint(ctx, env, "RolesAnywhere"),
		UseFIPSEndpoint: c.cfg.UseFIPSEndpoint,
		HTTPClient:      c.cfg.httpClient(),
	}), "", false, nil
}
