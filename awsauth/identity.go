package awsauth

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
)

// identifying is the chain, with sts:GetCallerIdentity after every
// credentials it hands out (verify_identity): the cache keeps credentials,
// this keeps who they belong to. Its failure is reported in the status,
// never the refresh's.
type identifying struct {
	chain *chain.Chain
	last  atomic.Pointer[identified]
}

type identified struct {
	id  chain.Identity
	err error
}

func (p *identifying) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := p.chain.Retrieve(ctx)
	if err == nil {
		id, idErr := p.chain.Identify(ctx, creds)
		p.last.Store(&identified{id, idErr})
	}
	return creds, err
}

// identity is what the last sts:GetCallerIdentity said; zero before one,
// or without verify_identity.
func (p *identifying) identity() (chain.Identity, error) {
	if p == nil {
		return chain.Identity{}, nil
	}
	if l := p.last.Load(); l != nil {
		return l.id, l.err
	}
	return chain.Identity{}, nil
}
