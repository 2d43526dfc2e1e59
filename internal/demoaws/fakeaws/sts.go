package fakeaws

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

// STS is a fake AWS Security Token Service speaking the query protocol:
// AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity, with XML
// answers shaped like the real ones. Signed actions are verified.
type STS struct {
	Keys *sigv4verify.Keyring
	// Account owns the roles; default 123456789012.
	Account string
	// Verifier checks signed calls; default: service sts, any region.
	Verifier *sigv4verify.Verifier
	// WebIdentityTokens are the only web identity tokens accepted; with
	// none, AssumeRoleWithWebIdentity fails, as with an unknown provider.
	WebIdentityTokens []string
	// TTL, when set, overrides the lifetime of issued credentials, so that
	// tests see expiry in seconds rather than STS's 15 minute minimum.
	TTL time.Duration
	// RateLimit, when > 0, is how many calls a second are served; beyond
	// it the answer is 400 Throttling, as STS does.
	RateLimit int

	mu         sync.Mutex
	calls      []STSCall
	externalID map[string]string             // role ARN -> required external id
	failures   map[string]*sigv4verify.Error // action -> forced answer
	window     int64
	inWindow   int
}

// STSCall is one call as received.
type STSCall struct {
	Action string
	Params url.Values
	At     time.Time
	Caller string // ARN of the signer, for signed actions
	Region string // the region it was signed for, for signed actions
	// Throttled: refused by RateLimit.
	Throttled bool
}

// LimitRate serves at most n calls a second from now on (0: no limit),
// as STS does once an account's fleet reaches its quota.
func (s *STS) LimitRate(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.RateLimit = n
}

// AcceptWebIdentityTokens makes tokens the only ones accepted from now on,
// as an identity provider does once it has rotated its tokens.
func (s *STS) AcceptWebIdentityTokens(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.WebIdentityTokens = tokens
}

// RequireExternalID makes AssumeRole of role succeed only with id.
func (s *STS) RequireExternalID(role, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.externalID == nil {
		s.externalID = map[string]string{}
	}
	s.externalID[role] = id
}

// Fail makes every call of action answer with e until Fail(action, nil).
func (s *STS) Fail(action string, e *sigv4verify.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == nil {
		s.failures = map[string]*sigv4verify.Error{}
	}
	if e == nil {
		delete(s.failures, action)
	} else {
		s.failures[action] = e
	}
}

// Calls returns the calls received so far.
func (s *STS) Calls() []STSCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]STSCall(nil), s.calls...)
}

// CallsOf returns the calls of one action.
func (s *STS) CallsOf(action string) []STSCall {
	var out []STSCall
	for _, c := range s.Calls() {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

func (s *STS) account() string {
	if s.Account == "" {
		return "123456789012"
	}
	return s.Account
}

func (s *STS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	params, err := url.ParseQuery(string(body))
	if err != nil || r.Method != http.MethodPost {
		params = r.URL.Query()
	}
	action := params.Get("Action")
	call := STSCall{Action: action, Params: params, At: time.Now()}

	if e := s.admit(call.At); e != nil {
		call.Throttled = true
		s.record(call)
		e.Write(w)
		return
	}
	var caller sigv4verify.Caller
	if action != "AssumeRoleWithWebIdentity" {
		v := s.Verifier
		if v == nil {
			v = &sigv4verify.Verifier{Keys: s.Keys, Service: "sts"}
		}
		var verr *sigv4verify.Error
		if caller, verr = v.Verify(r, body); verr != nil {
			s.record(call)
			verr.Write(w)
			return
		}
		call.Caller, call.Region = caller.Key.ARN, caller.Region
	}
	s.record(call)

	s.mu.Lock()
	forced := s.failures[action]
	s.mu.Unlock()
	if forced != nil {
		e := *forced
		if e.Message == "" && e.Code == "AccessDenied" {
			e.Message = fmt.Sprintf("User: %s is not authorized to perform: sts:%s on resource: %s", caller.Key.ARN, action, params.Get("RoleArn"))
		}
		e.Write(w)
		return
	}

	switch action {
	case "AssumeRole":
		s.assumeRole(w, params, caller)
	case "AssumeRoleWithWebIdentity":
		s.assumeRoleWithWebIdentity(w, params)
	case "GetCallerIdentity":
		writeXML(w, "GetCallerIdentity", fmt.Sprintf("<Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>",
			esc(caller.Key.ARN), esc(caller.Key.UserID), esc(caller.Key.Account)))
	default:
		(&sigv4verify.Error{Status: 400, Code: "InvalidAction", Message: fmt.Sprintf("Could not find operation %s for version 2011-06-15", action)}).Write(w)
	}
}

// admit counts a call received at in its clock second and refuses it
// beyond RateLimit.
func (s *STS) admit(at time.Time) *sigv4verify.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.RateLimit <= 0 {
		return nil
	}
	sec := at.Unix()
	if sec != s.window {
		s.window, s.inWindow = sec, 0
	}
	s.inWindow++
	if s.inWindow > s.RateLimit {
		return &sigv4verify.Error{Status: 400, Code: "Throttling", Message: "Rate exceeded"}
	}
	return nil
}

func (s *STS) record(c STSCall) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func (s *STS) duration(params url.Values) (time.Duration, *sigv4verify.Error) {
	d := time.Hour
	if v := params.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			return 0, &sigv4verify.Error{Status: 400, Code: "ValidationError", Message: "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"}
		}
		d = time.Duration(n) * time.Second
	}
	return d, nil
}

func (s *STS) assumeRole(w http.ResponseWriter, params url.Values, caller sigv4verify.Caller) {
	role, session := params.Get("RoleArn"), params.Get("RoleSessionName")
	d, verr := s.duration(params)
	if verr != nil {
		verr.Write(w)
		return
	}
	s.mu.Lock()
	want, guarded := s.externalID[role]
	s.mu.Unlock()
	if guarded && params.Get("ExternalId") != want {
		(&sigv4verify.Error{Status: 403, Code: "AccessDenied", Message: fmt.Sprintf(
			"User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.Key.ARN, role)}).Write(w)
		return
	}
	writeXML(w, "AssumeRole", s.issue(role, session, d))
}

func (s *STS) assumeRoleWithWebIdentity(w http.ResponseWriter, params url.Values) {
	token := params.Get("WebIdentityToken")
	if token == "" {
		(&sigv4verify.Error{Status: 400, Code: "ValidationError", Message: "1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null"}).Write(w)
		return
	}
	s.mu.Lock()
	accepted := s.WebIdentityTokens
	s.mu.Unlock()
	if !slices.Contains(accepted, strings.TrimSpace(token)) {
		(&sigv4verify.Error{Status: 400, Code: "InvalidIdentityToken", Message: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"}).Write(w)
		return
	}
	d, verr := s.duration(params)
	if verr != nil {
		verr.Write(w)
		return
	}
	writeXML(w, "AssumeRoleWithWebIdentity", s.issue(params.Get("RoleArn"), params.Get("RoleSessionName"), d)+
		"<SubjectFromWebIdentityToken>system:serviceaccount:default:agent</SubjectFromWebIdentityToken>"+
		"<Provider>oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE</Provider><Audience>sts.amazonaws.com</Audience>")
}

// issue makes credentials for a session of role and renders them.
func (s *STS) issue(role, session string, d time.Duration) string {
	name := role[strings.LastIndex(role, "/")+1:]
	account := s.account()
	if parts := strings.Split(role, ":"); len(parts) > 4 && parts[4] != "" {
		account = parts[4]
	}
	arn := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, name, session)
	if s.TTL > 0 {
		d = s.TTL
	}
	roleID := "AROA" + sigv4verify.RandomID(17)
	key := s.Keys.Issue(arn, account, roleID+":"+session, d)
	return fmt.Sprintf("<AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>%s:%s</AssumedRoleId></AssumedRoleUser>"+
		"<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>",
		esc(arn), roleID, esc(session), key.AccessKeyID, key.SecretAccessKey, key.SessionToken, key.Expires.UTC().Format(time.RFC3339))
}

func writeXML(w http.ResponseWriter, action, result string) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", sigv4verify.RequestID())
	fmt.Fprintf(w, `<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, action, result, action, sigv4verify.RequestID(), action)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// TB is what StartSTS needs of a test: a *testing.T is one (an interface,
// so that aws-agent, which links these fakes for its demo, links no
// testing).
type TB interface {
	Helper()
	Cleanup(func())
}

// STSServer is an STS served on loopback for one test.
type STSServer struct {
	*STS
	URL string
}

// StartSTS serves an STS that knows keys on loopback until the test ends.
func StartSTS(t TB, keys ...sigv4verify.Key) *STSServer {
	t.Helper()
	s := &STS{Keys: sigv4verify.NewKeyring(keys...)}
	srv := pki.Serve(s)
	t.Cleanup(srv.Close)
	return &STSServer{STS: s, URL: srv.URL}
}
