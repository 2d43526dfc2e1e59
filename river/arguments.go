// Package river holds the River schema of aws.auth: its arguments, their
// defaults and validation, and their conversion to an awsauth.Config. Other
// components embed Arguments as an `aws_auth { ... }` block.
package river

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/grafana/agent/component/common/config"
	"github.com/grafana/river/rivertypes"
	promconfig "github.com/prometheus/common/config"
)

// Arguments configure aws.auth, or an embedded aws_auth block.
type Arguments struct {
	Region  string `river:"region,attr,optional"`
	Service string `river:"service,attr,optional"`

	AccessKeyID     string            `river:"access_key_id,attr,optional"`
	SecretAccessKey rivertypes.Secret `river:"secret_access_key,attr,optional"`
	SessionToken    rivertypes.Secret `river:"session_token,attr,optional"`

	Profile               string `river:"profile,attr,optional"`
	SharedCredentialsFile string `river:"shared_credentials_file,attr,optional"`
	SharedConfigFile      string `river:"shared_config_file,attr,optional"`

	WebIdentityTokenFile string `river:"web_identity_token_file,attr,optional"`

	RoleARN            string        `river:"role_arn,attr,optional"`
	ExternalID         string        `river:"external_id,attr,optional"`
	SessionName        string        `river:"session_name,attr,optional"`
	AssumeRoleDuration time.Duration `river:"assume_role_duration,attr,optional"`
	STSRegion          string        `river:"sts_region,attr,optional"`
	STSEndpoint        string        `river:"sts_endpoint,attr,optional"`
	UseFIPSEndpoint    bool          `river:"use_fips_endpoint,attr,optional"`

	SessionTags       map[string]string `river:"session_tags,attr,optional"`
	TransitiveTagKeys []string          `river:"transitive_tag_keys,attr,optional"`
	SourceIdentity    string            `river:"source_identity,attr,optional"`

	ExpiryWindow           time.Duration `river:"expiry_window,attr,optional"`
	VerifyIdentity         bool          `river:"verify_identity,attr,optional"`
	RequestsUnhealthyAfter time.Duration `river:"requests_unhealthy_after,attr,optional"`

	RolesAnywhere    *RolesAnywhere   `river:"roles_anywhere,block,optional"`
	HTTPClientConfig HTTPClientConfig `river:"http_client_config,block,optional"`
	Gateway          Gateway          `river:"gateway,block,optional"`
}

// HTTPClientConfig is the proxy and TLS for every connection aws.auth
// makes: STS, IMDS, the container endpoint, the exported transport and the
// gateway's upstream.
type HTTPClientConfig struct {
	ProxyConfig *config.ProxyConfig `river:",squash"`
	TLSConfig   config.TLSConfig    `river:"tls_config,block,optional"`
	// Timeout bounds each call to STS, IMDS and the container endpoint.
	Timeout time.Duration `river:"timeout,attr,optional"`
}

// defaultTimeout bounds each call to STS, IMDS and the container endpoint:
// the engine's default, stated once there.
const defaultTimeout = chain.DefaultHTTPTimeout

// SetToDefault implements river.Defaulter.
func (a *Arguments) SetToDefault() {
	*a = Arguments{
		AssumeRoleDuration:     chain.DefaultAssumeRoleDuration,
		ExpiryWindow:           cache.DefaultExpiryWindow,
		VerifyIdentity:         true,
		RequestsUnhealthyAfter: awsauth.DefaultRequestsUnhealthyAfter,
		HTTPClientConfig:       HTTPClientConfig{Timeout: defaultTimeout},
	}
	a.Gateway.SetToDefault()
}

// Validate implements river.Validator. It touches neither files nor network.
func (a *Arguments) Validate() error {
	cfg := a.config()
	errs := []error{cfg.Validate()}
	if a.HTTPClientConfig.ProxyConfig != nil {
		if err := a.HTTPClientConfig.ProxyConfig.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("http_client_config: %w", err))
		}
	}
	if err := a.HTTPClientConfig.TLSConfig.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("http_client_config: tls_config: %w", err))
	}
	if a.RequestsUnhealthyAfter == 0 {
		errs = append(errs, errors.New("requests_unhealthy_after: must be positive"))
	}
	if a.HTTPClientConfig.Timeout <= 0 {
		errs = append(errs, errors.New("http_client_config: timeout: must be positive"))
	}
	if err := a.Gateway.validate(a.Service); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (a *Arguments) config() awsauth.Config {
	cfg := awsauth.Config{
		Credentials: chain.Config{
			Region:               a.Region,
			AccessKeyID:          a.AccessKeyID,
			SecretAccessKey:      string(a.SecretAccessKey),
			SessionToken:         string(a.SessionToken),
			Profile:              a.Profile,
			WebIdentityTokenFile: a.WebIdentityTokenFile,
			RoleARN:              a.RoleARN,
			ExternalID:           a.ExternalID,
			SessionName:          a.SessionName,
			AssumeRoleDuration:   a.AssumeRoleDuration,
			STSRegion:            a.STSRegion,
			STSEndpoint:          a.STSEndpoint,
			UseFIPSEndpoint:      a.UseFIPSEndpoint,
			SessionTags:          a.SessionTags,
			TransitiveTagKeys:    a.TransitiveTagKeys,
			SourceIdentity:       a.SourceIdentity,
			RolesAnywhere:        a.RolesAnywhere.config(),
		},
		ExpiryWindow:           a.ExpiryWindow,
		VerifyIdentity:         a.VerifyIdentity,
		RequestsUnhealthyAfter: a.RequestsUnhealthyAfter,
	}
	if a.SharedCredentialsFile != "" {
		cfg.Credentials.SharedCredentialsFiles = []string{a.SharedCredentialsFile}
	}
	if a.SharedConfigFile != "" {
		cfg.Credentials.SharedConfigFiles = []string{a.SharedConfigFile}
	}
	return cfg
}

// idleConnTimeout is how long a pooled connection to AWS may stay idle.
const idleConnTimeout = 30 * time.Second

// Convert returns the awsauth.Config, with an HTTP client honouring
// http_client_config, and the round tripper requests are signed over.
func (a *Arguments) Convert() (awsauth.Config, http.RoundTripper, error) {
	cfg := a.config()
	rt, err := a.HTTPClientConfig.roundTripper()
	if err != nil {
		return cfg, nil, err
	}
	cfg.Credentials.HTTPClient = &http.Client{Transport: rt, Timeout: a.HTTPClientConfig.Timeout}
	return cfg, rt, nil
}

// roundTripper builds the transport with prometheus/common, as the agent's
// own HTTP clients are built: TLS files are re-read when they change.
func (h HTTPClientConfig) roundTripper() (http.RoundTripper, error) {
	pc := promconfig.HTTPClientConfig{
		TLSConfig:       *h.TLSConfig.Convert(),
		FollowRedirects: false,
		EnableHTTP2:     true,
	}
	if h.ProxyConfig != nil {
		pc.ProxyConfig = h.ProxyConfig.Convert()
	}
	// Idle connections are closed after idleConnTimeout (the library's
	// default is five minutes): the gateway's clients choose the hosts, and
	// each idle connection holds goroutines and buffers.
	rt, err := promconfig.NewRoundTripperFromConfig(pc, "aws_auth", promconfig.WithIdleConnTimeout(idleConnTimeout))
	if err != nil {
		return nil, fmt.Errorf("http_client_config: %w", err)
	}
	return rt, nil
}
