package awsauth

import (
	"fmt"
	"strings"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
)

// Health is a one-line verdict on an Auth, in the words of AWS's error
// codes, for the Flow UI.
type Health struct {
	Healthy bool
	Message string
}

// Health judges the status at now. Unhealthy means requests fail or are
// about to: no credentials, expired ones, a refresh refused for a reason
// that will not pass by itself (AccessDenied, an invalid token, nothing
// configured), or AWS refusing the signed requests themselves.
func (s Status) Health(now time.Time) Health {
	h, class := s.health(now)
	if !h.Healthy && class != resolving {
		h.Message = withNextStep(h.Message, class)
	}
	return h
}

// health is Health without the next step; class is what went wrong.
func (s Status) health(now time.Time) (Health, classify.Class) {
	c := s.Credentials
	if !c.Valid {
		switch {
		case c.LastError != nil && c.HasCredsEver:
			return Health{false, fmt.Sprintf("ExpiredToken: credentials from %s expired %s ago and cannot be refreshed: %v",
				c.Source, round(now.Sub(c.Expires)), c.LastError)}, classify.Expired
		case c.LastError != nil:
			return Health{false, "no AWS credentials: " + WithMissing(c.LastError.Error())}, c.LastClass
		default:
			return Health{false, "resolving AWS credentials"}, resolving
		}
	}
	if c.LastError != nil && permanent(c.LastClass) {
		return Health{false, fmt.Sprintf("refreshing credentials fails (the current ones expire %s): %s", until(now, c), WithMissing(c.LastError.Error()))}, c.LastClass
	}
	// failing is the last request error, while no request has succeeded
	// since and it is recent.
	failing := s.Requests.LastError
	if failing != nil && (!failing.At.After(s.Requests.LastSuccess) || now.Sub(failing.At) >= recentWindow) {
		failing = nil
	}
	if failing != nil && failing.Class != classify.Other && failing.Class != classify.None {
		return Health{false, describeRequestError(failing, s.Requests.ClockSkew)}, failing.Class
	}
	// Whatever the cause, requests that keep failing while none succeeds
	// are what on-call must hear about: a DNS failure or a 503 storm that
	// lasts loses data.
	if since := s.Requests.FailingSince; failing != nil && !since.IsZero() && now.Sub(since) >= s.unhealthyAfter() {
		return Health{false, fmt.Sprintf("no signed request has succeeded for %s (requests_unhealthy_after %s); the last: %s",
			round(now.Sub(since)), s.unhealthyAfter(), describeRequestError(failing, s.Requests.ClockSkew))}, failing.Class
	}

	msg := "credentials from " + c.Source
	if s.Identity.ARN != "" {
		msg += " as " + s.Identity.ARN
	}
	msg += ", " + until(now, c)
	var notes []string
	if c.Stale {
		notes = append(notes, "stale: the source handed out credentials past their expiration (an IMDS outage?)")
	}
	if c.LastError != nil {
		notes = append(notes, "refresh failing, retrying: "+c.LastError.Error())
	}
	if s.IdentityErr != nil {
		notes = append(notes, "sts:GetCallerIdentity failed: "+classify.Describe(s.IdentityErr))
	}
	if failing != nil {
		// Auth failures made the component unhealthy above; this one is
		// the service's (a 503 storm, say), and the on-call should know.
		notes = append(notes, "requests failing, not for auth: "+describeRequestError(failing, s.Requests.ClockSkew))
	}
	if cert := s.Certificate; cert != nil && cert.DueForRenewal(now) {
		notes = append(notes, fmt.Sprintf("the certificate %s (serial %s) expires %s: renew it, Roles Anywhere refuses an expired one", cert.Subject, cert.Serial, untilTime(now, cert.NotAfter)))
	}
	if skew := s.Requests.ClockSkew; skew != 0 {
		notes = append(notes, fmt.Sprintf("local clock is %s; requests are signed with AWS's time", skewWords(skew)))
	}
	if len(notes) > 0 {
		msg += " (" + strings.Join(notes, "; ") + ")"
	}
	return Health{true, msg}, classify.None
}

// WithMissing adds to an error that quotes AWS's AccessDenied for an
// action on a resource (STS refusing AssumeRole, say) the statement that
// would allow it.
func WithMissing(text string) string {
	if principal, action, resource, ok := classify.AccessDeniedDetail(text); ok {
		return text + ": " + iam.Missing(principal, action, resource)
	}
	return text
}

func untilTime(now, t time.Time) string {
	if t.Before(now) {
		return round(now.Sub(t)) + " ago"
	}
	return "in " + round(t.Sub(now))
}

func (s Status) unhealthyAfter() time.Duration {
	if s.UnhealthyAfter <= 0 {
		return DefaultRequestsUnhealthyAfter
	}
	return s.UnhealthyAfter
}

// recentWindow is how long a request error counts against health.
const recentWindow = 5 * time.Minute

func permanent(class classify.Class) bool {
	return class == classify.AccessDenied || class == classify.InvalidToken || class == classify.NoCredentials || class == classify.SignatureMismatch
}

func until(now time.Time, c cache.Status) string {
	switch {
	case !c.CanExpire:
		return "do not expire"
	case c.Stale:
		return "expired " + round(now.Sub(c.Expires)) + " ago"
	}
	return "expire in " + round(c.Expires.Sub(now))
}

func round(d time.Duration) string { return d.Round(time.Second).String() }

func skewWords(skew time.Duration) string {
	// The offset is AWS's clock minus ours: positive means ours is behind.
	if skew > 0 {
		return fmt.Sprintf("%d seconds behind AWS", int(skew.Round(time.Second).Seconds()))
	}
	return fmt.Sprintf("%d seconds ahead of AWS", int(-skew.Round(time.Second).Seconds()))
}

func describeRequestError(e *stats.RequestError, skew time.Duration) string {
	if e.Status == 0 { // no answer at all
		return e.Host + ": no response: " + e.Message
	}
	where := fmt.Sprintf("%s answered HTTP %d %s", e.Host, e.Status, e.Code)
	switch e.Class {
	case classify.AccessDenied:
		if principal, action, resource, ok := classify.AccessDeniedDetail(e.Message); ok {
			msg := fmt.Sprintf("AccessDenied: %s is not allowed %s", principal, action)
			if resource != "" {
				msg += " on " + resource
			}
			return msg + " (" + where + "): " + iam.Missing(principal, action, resource)
		}
		msg := "AccessDenied: " + where
		if e.Message != "" {
			msg += ": " + e.Message
		}
		if needs := iam.Needs(e.Service); needs != "" {
			return msg + ": " + needs
		}
		return msg
	case classify.ClockSkew:
		return fmt.Sprintf("RequestTimeTooSkewed: %s; the local clock is %s: fix NTP", where, skewWords(skew))
	case classify.SignatureMismatch:
		return fmt.Sprintf("SignatureDoesNotMatch: %s for service %q: check region/service and that nothing changes the request after signing (aws-agent sign --verify shows the difference)", where, e.Service)
	case classify.Expired:
		return "ExpiredToken: " + where + ": the credentials were refused as expired"
	case classify.InvalidToken:
		return "InvalidClientTokenId: " + where + ": AWS does not know these credentials (wrong partition, deleted key, or a session token missing)"
	case classify.Throttled:
		return "Throttling: " + where + ": requests are being throttled"
	}
	return where
}

// resolving is the first resolution, still under way: nothing to do yet.
const resolving classify.Class = "resolving"

// nextSteps are what to do about each class of failure, each ending at
// its section of docs/troubleshooting.md (a test holds the anchors).
var nextSteps = map[classify.Class]string{
	classify.NoCredentials:     chain.NoCredentialsNextStep,
	classify.AccessDenied:      "grant what `aws-agent policy CONFIG.river` prints; docs/troubleshooting.md#accessdenied",
	classify.Expired:           "docs/troubleshooting.md#expiredtoken",
	classify.InvalidToken:      "check the key's partition, that it still exists, and its session token; docs/troubleshooting.md#invalidclienttokenid",
	classify.SignatureMismatch: "docs/troubleshooting.md#signaturedoesnotmatch",
	classify.ClockSkew:         "docs/troubleshooting.md#requesttimetooskewed",
	classify.Throttled:         "docs/troubleshooting.md#throttling",
	classify.Other:             "run `aws-agent check --config CONFIG.river`; docs/troubleshooting.md#other-failures",
}

// withNextStep ends an unhealthy message with what to do, unless it
// already points at the troubleshooting page.
func withNextStep(msg string, class classify.Class) string {
	if strings.Contains(msg, "docs/troubleshooting.md#") {
		return msg
	}
	step, ok := nextSteps[class]
	if !ok {
		step = nextSteps[classify.Other]
	}
	return msg + " — next: " + step
}
