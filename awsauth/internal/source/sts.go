package source

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
)

// STS says where calls to STS go.
type STS struct {
	Region string
	// Endpoint is sts_endpoint; empty means AWS_ENDPOINT_URL_STS or
	// AWS_ENDPOINT_URL, else the regional endpoint.
	Endpoint        string
	UseFIPSEndpoint bool
	HTTPClient      *http.Client
}

// Client is an STS client that signs with creds (nil for web identity,
// whose call is unsigned).
func (s STS) Client(ctx context.Context, env config.EnvConfig, creds aws.CredentialsProvider) (*sts.Client, error) {
	o := sts.Options{
		Region:      s.Region,
		Credentials: creds,
		HTTPClient:  s.HTTPClient,
		// The Cache retries failed refreshes with backoff and reports each
		// failure; SDK retries under it would triple the calls a throttled
		// fleet makes to STS.
		RetryMaxAttempts: 1,
	}
	if o.Region == "" {
		return nil, field.Errorf("sts_region", "STS needs a region: set region or sts_region")
	}
	ep := s.Endpoint
	if ep == "" {
		ep = Endpoint(ctx, env, "STS")
	}
	if ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	if s.UseFIPSEndpoint {
		o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
	}
	return sts.New(o), nil
}

// AssumeRole is a role to assume, and what goes with the call: IAM
// policies and CloudTrail see the session name, tags and source identity.
type AssumeRole struct {
	RoleARN, SessionName, ExternalID, SourceIdentity string
	Duration                                         time.Duration
	Tags                                             map[string]string
	TransitiveTagKeys                                []string
}

// Retrieve assumes the role with base's credentials.
func (a AssumeRole) Retrieve(ctx context.Context, s STS, env config.EnvConfig, base aws.Credentials) (aws.Credentials, error) {
	client, err := s.Client(ctx, env, credentials.StaticCredentialsProvider{Value: base})
	if err != nil {
		return aws.Credentials{}, err
	}
	return stscreds.NewAssumeRoleProvider(client, a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName, o.Duration = a.SessionName, a.Duration
		if a.ExternalID != "" {
			o.ExternalID = aws.String(a.ExternalID)
		}
		if a.SourceIdentity != "" {
			o.SourceIdentity = aws.String(a.SourceIdentity)
		}
		o.TransitiveTagKeys = a.TransitiveTagKeys
		// In key order, as STS's Query format lists them.
		for k, v := range a.Tags {
			o.Tags = append(o.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		sort.Slice(o.Tags, func(i, j int) bool { return *o.Tags[i].Key < *o.Tags[j].Key })
	}).Retrieve(ctx)
}
