package awsauth

import (
	"errors"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
)

// Config says where credentials come from and how requests are signed.
// Zero fields take the defaults of the package that owns them
// (chain.DefaultAssumeRoleDuration, cache.DefaultExpiryWindow, …).
type Config struct {
	// Credentials says where credentials come from, and the default region.
	Credentials chain.Config
	// ExpiryWindow is how long before expiry a refresh starts.
	ExpiryWindow time.Duration
	// VerifyIdentity calls sts:GetCallerIdentity after each refresh.
	VerifyIdentity bool
	// RequestsUnhealthyAfter is how long signed requests may keep failing,
	// none succeeding, before health turns unhealthy whatever the cause
	// (a DNS failure, a 503 storm). If zero, DefaultRequestsUnhealthyAfter.
	RequestsUnhealthyAfter time.Duration
}

// DefaultRequestsUnhealthyAfter: ten minutes of nothing but failures.
const DefaultRequestsUnhealthyAfter = 10 * time.Minute

// Validate checks the Config without touching the network or the files.
// Each error names the argument and what is wrong with its value.
func (c *Config) Validate() error {
	err := c.Credentials.Validate()
	if c.ExpiryWindow < 0 {
		err = errors.Join(err, field.Errorf("expiry_window", "must not be negative"))
	}
	if c.RequestsUnhealthyAfter < 0 {
		err = errors.Join(err, field.Errorf("requests_unhealthy_after", "must not be negative"))
	}
	return err
}
