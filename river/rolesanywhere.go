package river

import (
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
)

// RolesAnywhere is the roles_anywhere block: credentials from an X.509
// certificate through IAM Roles Anywhere. When present it is the source;
// the top-level role_arn can still chain an AssumeRole on top.
type RolesAnywhere struct {
	TrustAnchorARN       string        `river:"trust_anchor_arn,attr"`
	ProfileARN           string        `river:"profile_arn,attr"`
	RoleARN              string        `river:"role_arn,attr"`
	CertificateFile      string        `river:"certificate_file,attr"`
	CertificateChainFile string        `river:"certificate_chain_file,attr,optional"`
	PrivateKeyFile       string        `river:"private_key_file,attr"`
	SessionDuration      time.Duration `river:"session_duration,attr,optional"`
	Region               string        `river:"region,attr,optional"`
	Endpoint             string        `river:"endpoint,attr,optional"`
	SessionName          string        `river:"session_name,attr,optional"`
}

// SetToDefault implements river.Defaulter.
func (r *RolesAnywhere) SetToDefault() {
	*r = RolesAnywhere{SessionDuration: rolesanywhere.DefaultDuration}
}

func (r *RolesAnywhere) config() *rolesanywhere.Config {
	if r == nil {
		return nil
	}
	return &rolesanywhere.Config{
		TrustAnchorARN: r.TrustAnchorARN, ProfileARN: r.ProfileARN, RoleARN: r.RoleARN,
		CertificateFile: r.CertificateFile, CertificateChainFile: r.CertificateChainFile, PrivateKeyFile: r.PrivateKeyFile,
		SessionDuration: r.SessionDuration, Region: r.Region, Endpoint: r.Endpoint, SessionName: r.SessionName,
	}
}
