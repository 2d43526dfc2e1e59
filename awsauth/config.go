package awsauth

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Defaults and limits of the Config.
const (
	DefaultAssumeRoleDuration = 15 * time.Minute
	MinAssumeRoleDuration     = 15 * time.Minute
	MaxAssumeRoleDuration     = 12 * time.Hour
	DefaultExpiryWindow       = 5 * time.Minute
)

// Config says where credentials come from and how requests are signed. The
// zero value resolves credentials from the environment, the default profile,
// the container endpoint or IMDS, in that order.
type Config struct {
	// Region is the signing region used when the request's host names none.
	// Empty means AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.
	Region string
	// Service overrides the signing service inferred from each request's host.
	Service string

	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	Profile                string
	SharedCredentialsFiles []string
	SharedConfigFiles      []string

	WebIdentityTokenFile string

	RoleARN            string
	ExternalID         string
	SessionName        string
	AssumeRoleDuration time.Duration
	STSRegion          string
	STSEndpoint        string
	UseFIPSEndpoint    bool

	// ExpiryWindow is how long before expiry a refresh starts.
	ExpiryWindow time.Duration
	// VerifyIdentity calls sts:GetCallerIdentity after each refresh.
	VerifyIdentity bool
	// SignBody adds X-Amz-Content-Sha256 to every request, not only to the
	// services that require it (s3, aoss).
	SignBody bool

	// HTTPClient carries the calls to STS, IMDS and the container endpoint.
	// Nil means a client with a 10s timeout over http.DefaultTransport.
	HTTPClient *http.Client
}

var (
	roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-\d{1,2}$`)
	// The STS RoleSessionName and ExternalId alphabets.
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Validate checks the Config without touching the network or the files. Each
// error names the argument and what is wrong with its value.
func (c *Config) Validate() error {
	var errs []error
	add := func(e *FieldError) { errs = append(errs, e) }

	if c.AccessKeyID != "" && c.SecretAccessKey == "" {
		add(fieldErrorf("secret_access_key", "must be set when access_key_id is set"))
	}
	if c.SecretAccessKey != "" && c.AccessKeyID == "" {
		add(fieldErrorf("access_key_id", "must be set when secret_access_key is set"))
	}
	if c.SessionToken != "" && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		add(fieldErrorf("session_token", "is only valid with access_key_id and secret_access_key"))
	}
	if c.AccessKeyID != "" && strings.TrimSpace(c.AccessKeyID) != c.AccessKeyID {
		add(fieldErrorf("access_key_id", "has leading or trailing white space"))
	}
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		add(fieldErrorf("region", "%q is not an AWS region name (like us-east-1)", c.Region))
	}
	if c.STSRegion != "" && !regionPattern.MatchString(c.STSRegion) {
		add(fieldErrorf("sts_region", "%q is not an AWS region name (like us-east-1)", c.STSRegion))
	}
	if c.RoleARN != "" && !roleARNPattern.MatchString(c.RoleARN) {
		add(fieldErrorf("role_arn", "%q is not an IAM role ARN (like arn:aws:iam::123456789012:role/NAME)", c.RoleARN))
	}
	if c.ExternalID != "" {
		if c.RoleARN == "" {
			add(fieldErrorf("external_id", "requires role_arn"))
		} else if len(c.ExternalID) < 2 || len(c.ExternalID) > 1224 || !externalIDPattern.MatchString(c.ExternalID) {
			add(fieldErrorf("external_id", "must be 2 to 1224 characters of letters, digits and +=,.@:/-"))
		}
	}
	if c.SessionName != "" && !sessionNamePattern.MatchString(c.SessionName) {
		add(fieldErrorf("session_name", "%q must be 2 to 64 characters of letters, digits and +=,.@-", c.SessionName))
	}
	if d := c.AssumeRoleDuration; d != 0 && (d < MinAssumeRoleDuration || d > MaxAssumeRoleDuration) {
		add(fieldErrorf("assume_role_duration", "%s is outside the range STS allows (15m to 12h)", d))
	}
	if c.STSEndpoint != "" {
		if u, err := url.Parse(c.STSEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(fieldErrorf("sts_endpoint", "%q is not an http(s) URL", c.STSEndpoint))
		}
	}
	if c.ExpiryWindow < 0 {
		add(fieldErrorf("expiry_window", "must not be negative"))
	}
	return errors.Join(errs...)
}

func (c *Config) assumeRoleDuration() time.Duration {
	if c.AssumeRoleDuration == 0 {
		return DefaultAssumeRoleDuration
	}
	return c.AssumeRoleDuration
}

func (c *Config) expiryWindow() time.Duration {
	if c.ExpiryWindow == 0 {
		return DefaultExpiryWindow
	}
	return c.ExpiryWindow
}

func (c *Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}
