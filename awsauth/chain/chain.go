package chain

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
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

func (e *NoCredentialsError) Error() string {
	parts := make([]string, len(e.Attempts))
	for i, a := range e.Attempts {
		parts[i] = a.Source + ": " + a.Reason
	}
	return NoCredentialsHeadline + " (" + strings.Join(parts, "; ") + ")"
}

// SourceError is returned when the first configured source failed. Skipped
// lists the sources before it.
type SourceError struct {
	Source  string
	Err     error
	Skipped []Attempt
}

func (e *SourceError) Error() string { return e.Source + ": " + classify.Describe(e.Err) }
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
			return nil, fieldErrorf("web_identity_token_file", "cannot read the token file: %v", unwrapPathError(err))
		}
	}
	if _, explicit := c.profileName(env); explicit {
		if _, err := c.loadProfile(context.Background(), env); err != nil {
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
			return "", badRegion("AWS_REGION or AWS_DEFAULT_REGION", r)
		}
		return r, nil
	}
	if ra := c.cfg.RolesAnywhere; ra != nil && ra.AnchorRegion() != "" {
		return ra.AnchorRegion(), nil
	}
	name, _ := c.profileName(env)
	sc, err := c.loadProfile(context.Background(), env)
	if err == nil && sc.Region != "" {
		return sc.Region, nil
	}
	credFiles, configFiles := c.sharedFiles(env)
	return "", fieldErrorf("region", "not set: looked at the region argument, AWS_REGION, AWS_DEFAULT_REGION and profile %q in %s",
		name, strings.Join(append(append([]string{}, credFiles...), configFiles...), ", "))
}

// Retrieve implements aws.CredentialsProvider. Credentials.Source names the
// source, followed by the role when one was assumed.
func (c *Chain) Retrieve(ctx context.Context) (aws.Credentials, error) {
	// Read anew on every refresh, as the SDK reads it: what the sources
	// below look at besides the Config.
	env, err := config.NewEnvConfig()
	if err != nil {
		return aws.Credentials{}, &SourceError{Source: SourceEnvironment, Err: err}
	}
	var attempts []Attempt
	for _, s := range c.sources() {
		p, skip, usedRole, err := s.lookup(ctx, env)
		if err != nil {
			return aws.Credentials{}, &SourceError{Source: s.name, Err: err, Skipped: attempts}
		}
		if p == nil {
			attempts = append(attempts, Attempt{Source: s.name, Reason: skip})
			continue
		}
		creds, err := p.Retrieve(ctx)
		if err != nil {
			if s.name == SourceIMDS {
				// IMDS is the fallback of last resort: off EC2 its failure
				// means that nothing was configured.
				attempts = append(attempts, Attempt{Source: s.name, Reason: classify.Describe(err)})
				return aws.Credentials{}, &NoCredentialsError{Attempts: attempts}
			}
			return aws.Credentials{}, &SourceError{Source: s.name, Err: err, Skipped: attempts}
		}
		name := s.name
		if rp, ok := p.(*rolesanywhere.Provider); ok {
			name = creds.Source // which certificate
			c.cert.Store(rp.Certificate())
		}
		if s.name == SourceProfile {
			profile, _ := c.profileName(env)
			name = fmt.Sprintf("profile %q", profile)
		}
		if usedRole {
			name += " as " + c.cfg.RoleARN
		}
		if c.cfg.RoleARN != "" && !usedRole {
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

func (c *Chain) assumeRole(ctx context.Context, env config.EnvConfig, base aws.Credentials) (aws.Credentials, error) {
	client, err := c.stsClient(ctx, env, credentials.StaticCredentialsProvider{Value: base})
	if err != nil {
		return aws.Credentials{}, err
	}
	return stscreds.NewAssumeRoleProvider(client, c.cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = c.sessionName()
		o.Duration = c.cfg.assumeRoleDuration()
		if c.cfg.ExternalID != "" {
			o.ExternalID = aws.String(c.cfg.ExternalID)
		}
		o.Tags, o.TransitiveTagKeys = c.cfg.sessionTags(), c.cfg.TransitiveTagKeys
		if c.cfg.SourceIdentity != "" {
			o.SourceIdentity = aws.String(c.cfg.SourceIdentity)
		}
	}).Retrieve(ctx)
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
	client, err := c.stsClient(ctx, env, credentials.StaticCredentialsProvider{Value: creds})
	if err != nil {
		return Identity{}, err
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, err
	}
	return Identity{ARN: aws.ToString(out.Arn), AccountID: aws.ToString(out.Account), UserID: aws.ToString(out.UserId)}, nil
}

func (c *Chain) stsRegionOrEmpty() string {
	if c.cfg.STSRegion != "" {
		return c.cfg.STSRegion
	}
	return c.region
}

// stsClient builds an STS client for sts_region, sts_endpoint (or
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) and use_fips_endpoint.
func (c *Chain) stsClient(ctx context.Context, env config.EnvConfig, creds aws.CredentialsProvider) (*sts.Client, error) {
	o := sts.Options{
		Region:      c.stsRegionOrEmpty(),
		Credentials: creds,
		HTTPClient:  c.cfg.httpClient(),
		// The Cache retries failed refreshes with backoff and reports each
		// failure; SDK retries under it would triple the calls a throttled
		// fleet makes to STS.
		RetryMaxAttempts: 1,
	}
	if o.Region == "" {
		return nil, fieldErrorf("sts_region", "STS needs a region: set region or sts_region")
	}
	if ep := c.stsEndpoint(ctx, env); ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	if c.cfg.UseFIPSEndpoint {
		o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
	}
	return sts.New(o), nil
}

// stsEndpoint is sts_endpoint, else AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL
// unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func (c *Chain) stsEndpoint(ctx context.Context, env config.EnvConfig) string {
	if c.cfg.STSEndpoint != "" {
		return c.cfg.STSEndpoint
	}
	return serviceEndpoint(ctx, env, "STS")
}

// serviceEndpoint is AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true, as the SDKs read them.
func serviceEndpoint(ctx context.Context, env config.EnvConfig, sdkID string) string {
	if ignore, _, _ := env.GetIgnoreConfiguredEndpoints(ctx); ignore {
		return ""
	}
	if ep, ok, _ := env.GetServiceBaseEndpoint(ctx, sdkID); ok {
		return ep
	}
	return env.BaseEndpoint
}

var sessionNameInvalid = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName is session_name, or one derived from the host name so that
// CloudTrail shows which agent assumed the role.
func (c *Chain) sessionName() string {
	if c.cfg.SessionName != "" {
		return c.cfg.SessionName
	}
	host, _ := os.Hostname()
	name := sessionNameInvalid.ReplaceAllString("flow-aws-auth-"+host, "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}
