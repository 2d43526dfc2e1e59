package auth

import (
	"net/http"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	otelauth "github.com/grafana/agent/component/otelcol/auth"
	"github.com/grafana/river"
	"github.com/grafana/river/rivertypes"
)

// Exports are what aws.auth gives downstream components.
type Exports struct {
	// Handler signs for otelcol.exporter.otlphttp: client { auth = ... }.
	Handler otelauth.Handler `river:"handler,attr"`
	// Transport signs for Go components of custom builds.
	Transport *Transport `river:"transport,attr"`
	// Credentials are the current credentials; secrets stay secrets.
	Credentials Credentials `river:"credentials,attr"`
	// Identity is what sts:GetCallerIdentity said after the last refresh.
	Identity Identity `river:"identity,attr"`
	// GatewayURL is the signing gateway for prometheus.remote_write and
	// loki.write: url = gateway_url + "/HOST/PATH".
	GatewayURL string `river:"gateway_url,attr"`
}

// Credentials is the credentials export.
type Credentials struct {
	AccessKeyID     string            `river:"access_key_id,attr"`
	SecretAccessKey rivertypes.Secret `river:"secret_access_key,attr"`
	SessionToken    rivertypes.Secret `river:"session_token,attr"`
	Expiration      string            `river:"expiration,attr"`
	Source          string            `river:"source,attr"`
}

// Identity is the identity export.
type Identity struct {
	ARN       string `river:"arn,attr"`
	AccountID string `river:"account_id,attr"`
	UserID    string `river:"user_id,attr"`
}

func exportedCredentials(a *awsauth.Auth) Credentials {
	creds, ok := a.Credentials()
	if !ok {
		return Credentials{}
	}
	out := Credentials{
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: rivertypes.Secret(creds.SecretAccessKey),
		SessionToken:    rivertypes.Secret(creds.SessionToken),
		Source:          creds.Source,
	}
	if creds.CanExpire {
		out.Expiration = creds.Expires.UTC().Format(time.RFC3339)
	}
	return out
}

func exportedIdentity(id chain.Identity) Identity {
	return Identity{ARN: id.ARN, AccountID: id.AccountID, UserID: id.UserID}
}

// Transport is the exported signer: an http.RoundTripper that signs with
// the component's current configuration over its http_client_config. Its
// identity never changes, so holders keep it across reloads.
type Transport struct {
	c    *Component
	base http.RoundTripper // nil: the component's http_client_config
	// service, if set, is what every request is signed for, whatever the
	// component's service argument says.
	service string
}

var _ river.Capsule = (*Transport)(nil)

// RiverCapsule marks Transport as a capsule.
func (*Transport) RiverCapsule() {}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	inst := t.c.cur.Load()
	base := t.base
	if base == nil {
		base = inst.base
	}
	service := t.service
	if service == "" {
		service = inst.args.Service
	}
	return inst.auth.Transport(base, service).RoundTrip(req)
}

// Wrap returns a signer over base instead of the component's own
// http_client_config: for Go components that bring their own transport.
func (t *Transport) Wrap(base http.RoundTripper) http.RoundTripper {
	return &Transport{c: t.c, base: base}
}
