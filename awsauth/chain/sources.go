package chain

import (
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/source"
)

// sources are the sources in the order the SDKs walk them; Roles Anywhere,
// when configured, alone.
func (c *Chain) sources() []source.Source {
	if c.cfg.RolesAnywhere != nil {
		return []source.Source{c.rolesAnywhere()}
	}
	client, sts := c.cfg.httpClient(), c.sts()
	return []source.Source{
		source.FromStatic(c.cfg.AccessKeyID, c.cfg.SecretAccessKey, c.cfg.SessionToken),
		source.FromEnvironment(),
		source.FromWebIdentity(source.WebIdentityConfig{TokenFile: c.cfg.WebIdentityTokenFile, RoleARN: c.cfg.RoleARN,
			SessionName: c.sessionName(), Duration: c.cfg.assumeRoleDuration(), STS: sts}),
		source.FromProfile(c.cfg.Profile, c.cfg.SharedCredentialsFiles, c.cfg.SharedConfigFiles, client, sts.Region, c.cfg.HelperStderr),
		source.FromContainer(client),
		source.FromIMDS(client),
	}
}
