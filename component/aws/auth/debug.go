package auth

import (
	"time"

	"github.com/grafana/river/encoding/riverjson"
)

// DebugInfo is what the Flow UI shows of aws.auth. It holds no secret: the
// access key id is masked.
type DebugInfo struct {
	Region           string            `river:"region,attr"`
	CredentialSource string            `river:"credential_source,attr"`
	AccessKeyID      string            `river:"access_key_id,attr"`
	Expiration       string            `river:"expiration,attr"`
	Stale            bool              `river:"stale,attr"`
	LastRefresh      string            `river:"last_refresh,attr"`
	NextRefresh      string            `river:"next_refresh,attr"`
	Refreshes        uint64            `river:"refreshes,attr"`
	RefreshFailures  uint64            `river:"refresh_failures,attr"`
	LastError        string            `river:"last_error,attr,optional"`
	LastErrorClass   string            `river:"last_error_class,attr,optional"`
	IdentityARN      string            `river:"identity_arn,attr"`
	IdentityAccount  string            `river:"identity_account_id,attr"`
	ClockOffset      string            `river:"clock_offset,attr"`
	SignedRequests   map[string]uint64 `river:"signed_requests,attr"`
	Responses        map[string]uint64 `river:"responses,attr"`
	Retries          map[string]uint64 `river:"retries,attr"`
	LastRequestError string            `river:"last_request_error,attr,optional"`
	NetworkErrors    uint64            `river:"network_errors,attr"`
	GatewayURL       string            `river:"gateway_url,attr"`
	// What the AssumeRole step sends besides the role, for IAM conditions
	// and CloudTrail.
	SessionTags       map[string]string `river:"session_tags,attr,optional"`
	TransitiveTagKeys []string          `river:"transitive_tag_keys,attr,optional"`
	SourceIdentity    string            `river:"source_identity,attr,optional"`
	// Roles Anywhere's certificate, never its key.
	CertificateSubject  string `river:"certificate_subject,attr,optional"`
	CertificateSerial   string `river:"certificate_serial,attr,optional"`
	CertificateIssuer   string `river:"certificate_issuer,attr,optional"`
	CertificateNotAfter string `river:"certificate_not_after,attr,optional"`
}

// River caches each struct type's tags in a map without a lock
// (grafana/river internal/value/tag_cache.go): the first encoding of a type
// while the controller evaluates races with the controller's reads of it —
// the UI API encodes DebugInfo first, in an HTTP handler. Encoding the
// component's types once, before any goroutine can, fills the cache.
func init() {
	var a Arguments
	a.SetToDefault()
	for _, v := range []any{DebugInfo{}, a, Exports{}} {
		_, _ = riverjson.MarshalBody(v)
	}
}

// DebugInfo implements component.DebugComponent.
func (c *Component) DebugInfo() interface{} {
	inst := c.cur.Load()
	s := inst.auth.Status()
	cs, rs := s.Credentials, s.Requests
	d := DebugInfo{
		Region:            s.Region,
		CredentialSource:  cs.Source,
		AccessKeyID:       cs.AccessKeyID,
		Stale:             cs.Stale,
		LastRefresh:       timeText(cs.LastRefresh),
		NextRefresh:       timeText(cs.NextRefresh),
		Refreshes:         cs.Refreshes,
		RefreshFailures:   cs.FailedCount,
		LastErrorClass:    string(cs.LastClass),
		IdentityARN:       s.Identity.ARN,
		IdentityAccount:   s.Identity.AccountID,
		ClockOffset:       inst.auth.ClockOffset().Round(time.Second).String(),
		SignedRequests:    rs.Signed,
		Responses:         map[string]uint64{},
		Retries:           rs.Retries,
		NetworkErrors:     rs.NetErrors,
		GatewayURL:        c.gatewayURL,
		SessionTags:       inst.args.SessionTags,
		TransitiveTagKeys: inst.args.TransitiveTagKeys,
		SourceIdentity:    inst.args.SourceIdentity,
	}
	if cert := s.Certificate; cert != nil {
		d.CertificateSubject, d.CertificateSerial, d.CertificateIssuer = cert.Subject, cert.Serial, cert.Issuer
		d.CertificateNotAfter = timeText(cert.NotAfter)
	}
	switch {
	case !cs.HasCredsEver:
		d.Expiration = "none yet"
	case cs.CanExpire:
		d.Expiration = timeText(cs.Expires)
	default:
		d.Expiration = "never"
	}
	if cs.LastError != nil {
		d.LastError = cs.LastError.Error()
	}
	for _, k := range rs.SortedKeys() {
		d.Responses[k.String()] = rs.Responses[k]
	}
	if e := rs.LastError; e != nil {
		d.LastRequestError = e.String()
	}
	// Text that other code wrote (an SDK's error, an answer's message)
	// may quote a secret: it is shown redacted.
	for _, text := range []*string{&d.CredentialSource, &d.LastError, &d.LastRequestError} {
		*text = inst.auth.Redact(*text)
	}
	return d
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
