package chain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
)

// Source names, as they appear in status, health and errors.
const (
	SourceStatic      = "static"
	SourceEnvironment = "environment"
	SourceWebIdentity = "web_identity"
	SourceProfile     = "profile"
	SourceContainer   = "container"
	SourceIMDS        = "imds"
)

// ecsEndpoint is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points on ECS.
const ecsEndpoint = "http://169.254.170.2"

// imdsTimeout bounds one IMDS attempt: off EC2 the token PUT may hang
// instead of failing, and the chain must move on to report it.
const imdsTimeout = 5 * time.Second

// A source looks at its inputs and, when they are present, returns the SDK
// provider that fetches credentials from them. When they are absent it
// returns a nil provider and says why in skip. usedRole reports that the
// source consumed role_arn itself (web identity without AWS_ROLE_ARN).
type source struct {
	name   string
	lookup func(ctx context.Context, env config.EnvConfig) (p aws.CredentialsProvider, skip string, usedRole bool, err error)
}

func (c *Chain) sources() []source {
	if c.cfg.RolesAnywhere != nil {
		return []source{{rolesanywhere.Source, c.rolesAnywhereSource}}
	}
	return []source{
		{SourceStatic, c.staticSource},
		{SourceEnvironment, c.environmentSource},
		{SourceWebIdentity, c.webIdentitySource},
		{SourceProfile, c.profileSource},
		{SourceContainer, c.containerSource},
		{SourceIMDS, c.imdsSource},
	}
}

func (c *Chain) staticSource(context.Context, config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	if c.cfg.AccessKeyID == "" {
		return nil, "access_key_id is not set", false, nil
	}
	return credentials.NewStaticCredentialsProvider(c.cfg.AccessKeyID, c.cfg.SecretAccessKey, c.cfg.SessionToken), "", false, nil
}

func (c *Chain) environmentSource(_ context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	if !env.Credentials.HasKeys() {
		if env.Credentials.AccessKeyID != "" || env.Credentials.SecretAccessKey != "" {
			return nil, "", false, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
		}
		return nil, "AWS_ACCESS_KEY_ID is not set", false, nil
	}
	return credentials.StaticCredentialsProvider{Value: env.Credentials}, "", false, nil
}

func (c *Chain) webIdentitySource(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	field, file := "web_identity_token_file", c.cfg.WebIdentityTokenFile
	if file == "" {
		field, file = "AWS_WEB_IDENTITY_TOKEN_FILE", env.WebIdentityTokenFilePath
	}
	if file == "" {
		return nil, "neither web_identity_token_file nor AWS_WEB_IDENTITY_TOKEN_FILE is set", false, nil
	}
	if _, err := os.Stat(file); err != nil {
		return nil, "", false, fieldErrorf(field, "cannot read the token file: %v", unwrapPathError(err))
	}
	role, usedRole := env.RoleARN, false
	if role == "" {
		role, usedRole = c.cfg.RoleARN, true
	}
	if role == "" {
		return nil, "", false, fieldErrorf("role_arn", "a web identity token needs a role: set AWS_ROLE_ARN or role_arn")
	}
	client, err := c.stsClient(ctx, env, nil)
	if err != nil {
		return nil, "", false, err
	}
	session := env.RoleSessionName
	if session == "" {
		session = c.sessionName()
	}
	p := stscreds.NewWebIdentityRoleProvider(client, role, stscreds.IdentityTokenFile(file), func(o *stscreds.WebIdentityRoleOptions) {
		o.RoleSessionName = session
		if usedRole {
			o.Duration = c.cfg.assumeRoleDuration()
		}
	})
	return p, "", usedRole, nil
}

// profileName is the profile in use and whether the user chose it.
func (c *Chain) profileName(env config.EnvConfig) (name string, explicit bool) {
	if c.cfg.Profile != "" {
		return c.cfg.Profile, true
	}
	if p := env.SharedConfigProfile; p != "" {
		return p, true
	}
	return "default", false
}

func (c *Chain) sharedFiles(env config.EnvConfig) (credFiles, configFiles []string) {
	credFiles, configFiles = c.cfg.SharedCredentialsFiles, c.cfg.SharedConfigFiles
	if len(credFiles) == 0 {
		if f := env.SharedCredentialsFile; f != "" {
			credFiles = []string{f}
		} else {
			credFiles = []string{config.DefaultSharedCredentialsFilename()}
		}
	}
	if len(configFiles) == 0 {
		if f := env.SharedConfigFile; f != "" {
			configFiles = []string{f}
		} else {
			configFiles = []string{config.DefaultSharedConfigFilename()}
		}
	}
	return credFiles, configFiles
}

// loadProfile reads the profile from the shared files. The files are read
// anew on every call, which is how rewritten keys are picked up.
func (c *Chain) loadProfile(ctx context.Context, env config.EnvConfig) (config.SharedConfig, error) {
	name, explicit := c.profileName(env)
	credFiles, configFiles := c.sharedFiles(env)
	sc, err := config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles, o.ConfigFiles = credFiles, configFiles
	})
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		where := strings.Join(append(append([]string{}, credFiles...), configFiles...), ", ")
		if explicit {
			field := "profile"
			if c.cfg.Profile == "" {
				field = "AWS_PROFILE"
			}
			return sc, fieldErrorf(field, "no profile %q in %s", name, where)
		}
		return sc, &skipError{fmt.Sprintf("no profile %q in %s", name, where)}
	}
	return sc, err
}

type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

func (c *Chain) profileSource(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	sc, err := c.loadProfile(ctx, env)
	var skip *skipError
	if errors.As(err, &skip) {
		return nil, skip.reason, false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	if !profileHasCredentials(sc) {
		return nil, fmt.Sprintf("profile %q holds no credentials", sc.Profile), false, nil
	}
	credFiles, configFiles := c.sharedFiles(env)
	opts := []func(*config.LoadOptions) error{
		config.WithSharedConfigProfile(sc.Profile),
		config.WithSharedCredentialsFiles(credFiles),
		config.WithSharedConfigFiles(configFiles),
		config.WithHTTPClient(c.cfg.httpClient()),
	}
	if r := c.stsRegionOrEmpty(); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", false, err
	}
	return awsCfg.Credentials, "", false, nil
}

func profileHasCredentials(sc config.SharedConfig) bool {
	return sc.Credentials.HasKeys() || sc.RoleARN != "" || sc.CredentialProcess != "" ||
		sc.WebIdentityTokenFile != "" || sc.CredentialSource != "" || sc.SSOStartURL != "" ||
		sc.SSOSessionName != "" || sc.SSOAccountID != "" || sc.LoginSession != ""
}

func (c *Chain) containerSource(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	endpoint := ""
	if rel := env.ContainerCredentialsRelativePath; rel != "" {
		endpoint = ecsEndpoint + rel
	} else if full := env.ContainerCredentialsEndpoint; full != "" {
		if err := checkContainerURI(ctx, full); err != nil {
			return nil, "", false, fieldErrorf("AWS_CONTAINER_CREDENTIALS_FULL_URI", "%v", err)
		}
		endpoint = full
	} else {
		return nil, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set", false, nil
	}
	p := endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.HTTPClient = c.cfg.httpClient()
		// EnvConfig does not carry the token file; the SDK's own chain
		// reads this variable as it is read here.
		if file := os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); file != "" {
			// Read on every retrieve: EKS rotates the Pod Identity token.
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(file)
				if err != nil {
					return "", fmt.Errorf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %v", unwrapPathError(err))
				}
				return strings.TrimSpace(string(b)), nil
			})
		} else {
			o.AuthorizationToken = env.ContainerAuthorizationToken
		}
	})
	return p, "", false, nil
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

func (c *Chain) imdsSource(_ context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	if env.EC2IMDSClientEnableState == imds.ClientDisabled {
		return nil, "AWS_EC2_METADATA_DISABLED is true", false, nil
	}
	client := imds.New(imds.Options{
		Endpoint:       env.EC2IMDSEndpoint,
		HTTPClient:     c.cfg.httpClient(),
		EnableFallback: aws.FalseTernary, // IMDSv2 only
	})
	return timeoutProvider{ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = client }), imdsTimeout}, "", false, nil
}

type timeoutProvider struct {
	aws.CredentialsProvider
	timeout time.Duration
}

func (p timeoutProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	return p.CredentialsProvider.Retrieve(ctx)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// rolesAnywhereSource is IAM Roles Anywhere, the only source when
// configured. Its region is its own, else the Config's, else the trust
// anchor's; its endpoint its own, else AWS_ENDPOINT_URL_ROLESANYWHERE or
// AWS_ENDPOINT_URL, else the regional one (FIPS with use_fips_endpoint).
func (c *Chain) rolesAnywhereSource(ctx context.Context, env config.EnvConfig) (aws.CredentialsProvider, string, bool, error) {
	ra := c.cfg.RolesAnywhere
	region := ra.Region
	if region == "" {
		region = c.cfg.Region
	}
	if region == "" {
		region = ra.AnchorRegion()
	}
	endpoint := ra.Endpoint
	if endpoint == "" {
		endpoint = serviceEndpoint(ctx, env, "RolesAnywhere")
	}
	if endpoint == "" {
		host := "rolesanywhere."
		if c.cfg.UseFIPSEndpoint {
			host = "rolesanywhere-fips."
		}
		endpoint = "https://" + host + region + ".amazonaws.com"
	}
	return rolesanywhere.New(ra, region, endpoint, c.cfg.httpClient()), "", false, nil
}
