package chain

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/source"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// Defaults and limits of the Config.
const (
	DefaultAssumeRoleDuration = 15 * time.Minute
	minAssumeRoleDuration     = 15 * time.Minute
	maxAssumeRoleDuration     = 12 * time.Hour
	// DefaultHTTPTimeout bounds each call to STS, IMDS and the container
	// endpoint when no HTTPClient is given.
	DefaultHTTPTimeout = 10 * time.Second
)

// Config says where credentials come from. The zero value resolves them
// from the environment, the default profile, the container endpoint or
// IMDS, in that order. Field errors name the River arguments.
type Config struct {
	// Region is the default region: STS's when sts_region is unset, and
	// the signing region of requests whose host names none. Empty means
	// AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.
	Region string

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
	// SessionTags, TransitiveTagKeys and SourceIdentity go with the
	// AssumeRole call (not with a web identity's, whose token carries its
	// own): IAM policies and CloudTrail see them.
	SessionTags       map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string

	// RolesAnywhere, when set, is the only source: an X.509 certificate
	// exchanged for credentials through IAM Roles Anywhere. RoleARN then
	// chains an AssumeRole on top (another account's role, say).
	RolesAnywhere *rolesanywhere.Config

	// HTTPClient carries the calls to STS, IMDS and the container endpoint.
	// Nil means a client with DefaultHTTPTimeout over http.DefaultTransport.
	HTTPClient *http.Client

	// HelperStderr is told what a profile's credential_process writes to
	// its stderr (bounded and redacted). Nil discards it.
	HelperStderr source.HelperStderr
}

// The STS ExternalId and tag alphabets.
var (
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	tagPattern        = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// STS's limits on session tags.
const (
	maxSessionTags = 50
	maxTagKey      = 128
	maxTagValue    = 256
)

// Validate checks the Config without touching the network or the files. Each
// error names the argument and what is wrong with its value.
func (c *Config) Validate() error {
	var errs []error
	add := func(e *field.Error) { errs = append(errs, e) }

	// An env("NAME") whose variable is unset or empty reads as "": the
	// user did set the attribute, so the message says what it read.
	if c.AccessKeyID != "" && c.SecretAccessKey == "" {
		add(field.Errorf("secret_access_key", "must be set when access_key_id is set; it is empty (an env() variable that is unset or empty reads as \"\"): set both or neither"))
	}
	if c.SecretAccessKey != "" && c.AccessKeyID == "" {
		add(field.Errorf("access_key_id", "must be set when secret_access_key is set; it is empty (an env() variable that is unset or empty reads as \"\"): set both or neither"))
	}
	if c.SessionToken != "" && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		add(field.Errorf("session_token", "is only valid with access_key_id and secret_access_key"))
	}
	if c.AccessKeyID != "" && strings.TrimSpace(c.AccessKeyID) != c.AccessKeyID {
		add(field.Errorf("access_key_id", "has leading or trailing white space"))
	}
	if c.Region != "" && !scope.IsRegion(c.Region) {
		add(field.BadRegion("region", c.Region))
	}
	if c.STSRegion != "" && !scope.IsRegion(c.STSRegion) {
		add(field.BadRegion("sts_region", c.STSRegion))
	}
	if c.RoleARN != "" && !field.IsRoleARN(c.RoleARN) {
		add(field.BadRoleARN("role_arn", c.RoleARN))
	}
	if c.ExternalID != "" {
		if c.RoleARN == "" {
			add(field.Errorf("external_id", "requires role_arn"))
		} else if len(c.ExternalID) < 2 || len(c.ExternalID) > 1224 || !externalIDPattern.MatchString(c.ExternalID) {
			add(field.Errorf("external_id", "must be 2 to 1224 characters of letters, digits and +=,.@:/-"))
		}
	}
	if c.SessionName != "" && !field.IsSessionName(c.SessionName) {
		add(field.BadSessionName("session_name", c.SessionName))
	}
	if d := c.AssumeRoleDuration; d != 0 && (d < minAssumeRoleDuration || d > maxAssumeRoleDuration) {
		add(field.Errorf("assume_role_duration", "%s is outside the range STS allows (15m to 12h)", d))
	}
	for _, e := range c.validateTags() {
		add(e)
	}
	if ra := c.RolesAnywhere; ra != nil {
		errs = append(errs, ra.Validate()...)
		if c.AccessKeyID != "" || c.Profile != "" || c.WebIdentityTokenFile != "" {
			add(field.Errorf("roles_anywhere", "is a credential source of its own: remove access_key_id, profile and web_identity_token_file"))
		}
	}
	if c.STSEndpoint != "" {
		if u, err := url.Parse(c.STSEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add(field.Errorf("sts_endpoint", "%q is not an http(s) URL", c.STSEndpoint))
		}
	}
	return errors.Join(errs...)
}

func (c *Config) assumeRoleDuration() time.Duration {
	if c.AssumeRoleDuration == 0 {
		return DefaultAssumeRoleDuration
	}
	return c.AssumeRoleDuration
}

func (c *Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: DefaultHTTPTimeout}
}

// validateTags checks the session tags, transitive keys and source
// identity against STS's rules, which would otherwise fail every refresh.
func (c *Config) validateTags() []*field.Error {
	var errs []*field.Error
	if (len(c.SessionTags) > 0 || len(c.TransitiveTagKeys) > 0 || c.SourceIdentity != "") && c.RoleARN == "" {
		errs = append(errs, field.Errorf("session_tags", "session_tags, transitive_tag_keys and source_identity go with sts:AssumeRole: they require role_arn"))
	}
	if n := len(c.SessionTags); n > maxSessionTags {
		errs = append(errs, field.Errorf("session_tags", "%d tags, STS allows at most %d", n, maxSessionTags))
	}
	keys := make([]string, 0, len(c.SessionTags))
	for k := range c.SessionTags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lower := map[string]bool{}
	for _, k := range keys {
		v := c.SessionTags[k]
		switch {
		case k == "" || utf8.RuneCountInString(k) > maxTagKey || !tagPattern.MatchString(k):
			errs = append(errs, field.Errorf("session_tags", "key %q must be 1 to %d letters, digits, spaces and _.:/=+-@", k, maxTagKey))
		case utf8.RuneCountInString(v) > maxTagValue || !tagPattern.MatchString(v):
			errs = append(errs, field.Errorf("session_tags", "the value of %q must be at most %d letters, digits, spaces and _.:/=+-@", k, maxTagValue))
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			errs = append(errs, field.Errorf("session_tags", "key %q: the aws: prefix is reserved", k))
		case lower[strings.ToLower(k)]:
			errs = append(errs, field.Errorf("session_tags", "keys %q differ only in case, which STS treats as the same key", k))
		}
		lower[strings.ToLower(k)] = true
	}
	for _, k := range c.TransitiveTagKeys {
		if _, ok := c.SessionTags[k]; !ok {
			errs = append(errs, field.Errorf("transitive_tag_keys", "%q is not a key of session_tags", k))
		}
	}
	if c.SourceIdentity != "" && !field.IsSessionName(c.SourceIdentity) {
		errs = append(errs, field.BadSessionName("source_identity", c.SourceIdentity))
	}
	return errs
}
