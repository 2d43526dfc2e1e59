package source

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
)

// WebIdentityConfig is what the configuration says about a web identity:
// the token file and role it names (each else the environment's), the
// session name, and the duration of a role_arn it assumes itself.
type WebIdentityConfig struct {
	TokenFile, RoleARN, SessionName string
	Duration                        time.Duration
	STS                             STS
}

// FromWebIdentity exchanges an OIDC token (IRSA) for a role's
// credentials: web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE,
// with AWS_ROLE_ARN, or role_arn when AWS_ROLE_ARN is unset (then the
// role is consumed here and not assumed a second time). The file is read
// on every retrieve, as EKS rotates it.
func FromWebIdentity(c WebIdentityConfig) Source {
	return Source{Name: WebIdentity, Find: func(ctx context.Context, env config.EnvConfig) (Found, error) {
		name, file := "web_identity_token_file", c.TokenFile
		if file == "" {
			name, file = "AWS_WEB_IDENTITY_TOKEN_FILE", env.WebIdentityTokenFilePath
		}
		if file == "" {
			return skipped("neither web_identity_token_file nor AWS_WEB_IDENTITY_TOKEN_FILE is set")
		}
		if err := checkTokenFile(file); err != nil {
			return Found{}, field.Errorf(name, "%v", err)
		}
		// IRSA's role assuming itself: STS refuses it with an AccessDenied
		// that names neither setting, unless the role's trust policy trusts
		// the role itself, which nobody means to write.
		if env.RoleARN != "" && strings.EqualFold(env.RoleARN, c.RoleARN) {
			return Found{}, field.Errorf("role_arn", "%q is also AWS_ROLE_ARN, the role the web identity token already gives (IRSA): "+
				"assuming it again from itself fails with AccessDenied; remove role_arn, or set it to another role to assume from this one", c.RoleARN)
		}
		role, usedRole := env.RoleARN, false
		if role == "" {
			role, usedRole = c.RoleARN, true
		}
		if role == "" {
			return Found{}, field.Errorf("role_arn", "a web identity token needs a role: set AWS_ROLE_ARN or role_arn")
		}
		client, err := c.STS.Client(ctx, env, nil)
		if err != nil {
			return Found{}, err
		}
		session := env.RoleSessionName
		if session == "" {
			session = c.SessionName
		}
		var duration time.Duration // the role's default, unless role_arn is ours
		found := Found{UsedRole: usedRole}
		if usedRole {
			duration = c.Duration
			found.Name = WebIdentity + " as " + role
		}
		found.Provider = stscreds.NewWebIdentityRoleProvider(client, role, stscreds.IdentityTokenFile(file), func(o *stscreds.WebIdentityRoleOptions) {
			o.RoleSessionName, o.Duration = session, duration
		})
		return found, nil
	}}
}

// checkTokenFile says what is wrong with a token file before STS is asked:
// the SDK reports a directory as "failed to retrieve jwt from provide
// source", and sends an empty file to STS, which answers with an error
// that names neither the file nor the cause.
func checkTokenFile(file string) error {
	info, err := os.Stat(file)
	switch {
	case err != nil:
		return fmt.Errorf("cannot read the token file: %v", field.Path(err))
	case info.IsDir():
		return fmt.Errorf("%s is a directory, not a token file: name the token inside it (IRSA mounts it as .../serviceaccount/token)", file)
	case info.Size() == 0:
		return fmt.Errorf("%s is empty: whatever writes the token (the kubelet's projected volume, a sidecar) has not written it; check the volume and its mount", file)
	}
	return nil
}
