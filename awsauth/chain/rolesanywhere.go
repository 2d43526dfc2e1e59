package chain

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/source"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/rolesanywhere"
)

// rolesAnywhere is IAM Roles Anywhere, the only source when configured.
// Its credentials are named by the certificate, and the certificate a
// refresh read is kept for status (Chain.Certificate).
func (c *Chain) rolesAnywhere() source.Source {
	return source.Source{Name: rolesanywhere.Source, Find: func(ctx context.Context, env config.EnvConfig) (source.Found, error) {
		p := rolesanywhere.New(c.cfg.RolesAnywhere, rolesanywhere.Options{
			Region:          c.cfg.Region,
			Endpoint:        source.Endpoint(ctx, env, "RolesAnywhere"),
			UseFIPSEndpoint: c.cfg.UseFIPSEndpoint,
			HTTPClient:      c.cfg.httpClient(),
		})
		return source.Found{Provider: certificateKeeper{p, &c.cert}, ProviderNames: true}, nil
	}}
}

// certificateKeeper keeps the certificate of each successful retrieve.
type certificateKeeper struct {
	*rolesanywhere.Provider
	cert *atomic.Pointer[rolesanywhere.CertificateInfo]
}

func (k certificateKeeper) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := k.Provider.Retrieve(ctx)
	if err == nil {
		k.cert.Store(k.Provider.Certificate())
	}
	return creds, err
}
