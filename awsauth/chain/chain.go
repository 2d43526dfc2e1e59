package chain

import (
	"context"
	"os"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/source"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// Chain is an aws.CredentialsProvider that walks the credential sources in
// the documented order on every Retrieve and, when role_arn is set, assumes
// the role with what it found. It does not cache: wrap it in a Cache.
type Chain struct {
	cfg    Config
	region string
	cert   atomic.Pointer[rolesanywhere.CertificateInfo] // Roles Anywhere's, as last used
}

// Attempt records one source the chain looked at and why it was not used.
type Attempt struct {
	Source string
	Reason string
}

// NoCredentialsError is returned when no source had credentials. It lists
// every source and why it was passed over.
type NoCredentialsError struct {
	Attempts []Attempt
}

// NoCredentialsHeadline begins a NoCredentialsError's message.
const NoCredentialsHeadline = "NoCredentialProviders: no credential source is configured or reachable"

// ErrorCode is the code the AWS SDKs give the same failure.
func (e *NoCredentialsError) ErrorCode() string { return "NoCredentialProviders" }

// NoCredentialsNextStep is what to do about a NoCredentialsError.
const NoCredentialsNextStep = "give the agent an identity (IRSA or EKS Pod Identity on EKS, the task role on ECS, an instance profile on EC2, a certificate with roles_anywhere elsewhere) or name one (profile, the AWS_* variables); docs/troubleshooting.md#nocredentialproviders"

func (e *NoCredentialsError) Error() string {
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = a.Source + ": " + a.Reason
	}
	return NoCredentialsHeadline + " (" + strings.Join(parts, "; ") + "): " + NoCredentialsNextStep
}

// SourceError is returned when the first configured source failed. Skipped
// lists the sources before it.
type SourceError struct {
	Source  string
	Err     error
	Skipped []Attempt
}

// Error names the source once: a block's argument error (Roles Anywhere's
// "roles_anywhere: certificate_file: …") already begins with it.
func (e *SourceError) Error() string {
	msg := classify.Describe(e.Err)
	if strings.HasPrefix(msg, e.Source+": ") {
		return msg
	}
	return e.Source + ": " + msg
}
func (e *SourceError) Unwrap() error { return e.Err }

// New validates cfg and resolves the region. It reads the shared
// config files when the region or an explicit profile must come from them,
// and touches no network.
func New(cfg Config) (*Chain, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	env, err := config.NewEnvConfig()
	if err != nil {
		return nil, err
	}
	c := &Chain{cfg: cfg}
	if f := cfg.WebIdentityTokenFile; f != "" {
		if _, err := os.Stat(f); err != nil {
			return nil, field.Errorf("web_identity_token_file", "cannot read the token file: %v", field.Path(err))
		}
	}
	if p := c.profile(env); p.Chosen != "" {
		if _, _, err := p.Load(context.Background()); err != nil {
			return nil, err
		}
	}
	region, err := c.resolveRegion(env)
	if err != nil {
		return nil, err
	}
	c.region = region
	return c, nil
}

// Certificate is the certificate Roles Anywhere's last refresh read: nil
// before one, or without Roles Anywhere.
func (c *Chain) Certificate() *rolesanywhere.CertificateInfo { return c.cert.Load() }

// Region is the default signing region.
func (c *Chain) Region() string { return c.region }

func (c *Chain) resolveRegion(env config.EnvConfig) (string, error) {
	if c.cfg.Region != "" {
		return c.cfg.Region, nil
	}
	if r := env.Region; r != "" {
		if !scope.IsRegion(r) {
			return "", field.BadRegion("AWS_REGION or AWS_DEFAULT_REGION", r)
		}
		return r, nil
	}
	if ra := c.cfg.RolesAnywhere; ra != nil && ra.AnchorRegion() != "" {
		return ra.AnchorRegion(), nil
	}
	p := c.profile(env)
	sc, _, err := p.Load(context.Background())
	if err == nil && sc.Region != "" {
		return sc.Region, nil
	}
	return "", field.Errorf("region", "not set: looked at the region argument, AWS_REGION, AWS_DEFAULT_REGION and profile %q in %s", p.Name, p.Files())
}

// Retrieve implements aws.CredentialsProvider. Credentials.Source names the
// source, followed by the role when one was assumed.
func (c *Chain) Retrieve(ctx context.Context) (aws.Credentials, error) {
	// Read anew on every refresh, as the SDK reads it: what the sources
	// below look at besides the Config.
	env, err := config.NewEnvConfig()
	if err != nil {
		return aws.Credentials{}, &SourceError{Source: source.Environment, Err: err}
	}
	var attempts []Attempt
	for _, s := range c.sources() {
		found, err := s.Find(ctx, env)
		if err != nil {
			return aws.Credentials{}, &SourceError{Source: s.Name, Err: err, Skipped: attempts}
		}
		if found.Provider == nil {
			attempts = append(attempts, Attempt{Source: s.Name, Reason: found.Skip})
			continue
		}
		creds, err := found.Provider.Retrieve(ctx)
		if err != nil {
			if found.LastResort {
				attempts = append(attempts, Attempt{Source: s.Name, Reason: classify.Describe(err)})
				return aws.Credentials{}, &NoCredentialsError{Attempts: attempts}
			}
			return aws.Credentials{}, &SourceError{Source: s.Name, Err: err, Skipped: attempts}
		}
		name := s.Name
		switch {
		case found.ProviderNames:
			name = creds.Source
		case found.Name != "":
			name = found.Name
		}
		if c.cfg.RoleARN != "" && !found.UsedRole {
			if creds, err = c.assumeRole(ctx, env, creds); err != nil {
				return aws.Credentials{}, &SourceError{Source: name + ", then sts:AssumeRole " + c.cfg.RoleARN, Err: err, Skipped: attempts}
			}
			name += ", then AssumeRole " + c.cfg.RoleARN
		}
		creds.Source = name
		return creds, nil
	}
	return aws.Credentials{}, &NoCredentialsError{Attempts: attempts}
}

// assumeRole assumes role_arn with base, with what the configuration
// sends along.
func (c *Chain) assumeRole(ctx context.Context, env config.EnvConfig, base aws.Credentials) (aws.Credentials, error) {
	role := source.AssumeRole{RoleARN: c.cfg.RoleARN, SessionName: c.sessionName(), ExternalID: c.cfg.ExternalID,
		SourceIdentity: c.cfg.SourceIdentity, Duration: c.cfg.assumeRoleDuration(),
		Tags: c.cfg.SessionTags, TransitiveTagKeys: c.cfg.TransitiveTagKeys}
	return role.Retrieve(ctx, c.sts(), env, base)
}

// Identity is what sts:GetCallerIdentity says about a set of credentials.
type Identity struct {
	ARN       string
	AccountID string
	UserID    string
}

// Identify calls sts:GetCallerIdentity with creds.
func (c *Chain) Identify(ctx context.Context, creds aws.Credentials) (Identity, error) {
	env, err := config.NewEnvConfig()
	if err != nil {
		return Identity{}, err
	}
	client, err := c.sts().Client(ctx, env, credentials.StaticCredentialsProvider{Value: creds})
	if err != nil {
		return Identity{}, err
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, err
	}
	return Identity{ARN: aws.ToString(out.Arn), AccountID: aws.ToString(out.Account), UserID: aws.ToString(out.UserId)}, nil
}

// sts says where the chain's calls to STS go: sts_region, else the
// default region; sts_endpoint; use_fips_endpoint.
func (c *Chain) sts() source.STS {
	s := source.STS{Region: c.cfg.STSRegion, Endpoint: c.cfg.STSEndpoint, UseFIPSEndpoint: c.cfg.UseFIPSEndpoint, HTTPClient: c.cfg.httpClient()}
	if s.Region == "" {
		s.Region = c.region
	}
	return s
}

// sessionName is session_name, or one derived from the host name so that
// CloudTrail shows which agent assumed the role.
func (c *Chain) sessionName() string {
	if c.cfg.SessionName != "" {
		return c.cfg.SessionName
	}
	host, _ := os.Hostname()
	return field.SessionName("flow-aws-auth-" + host)
}

// profile is the shared profile the configuration and environment name.
func (c *Chain) profile(env config.EnvConfig) source.SharedProfile {
	return source.NewSharedProfile(env, c.cfg.Profile, c.cfg.SharedCredentialsFiles, c.cfg.SharedConfigFiles)
}
