package fakeaws

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
)

// IMDS is a fake EC2 instance metadata service, version 2 only: a token from
// PUT /latest/api/token must accompany every GET.
type IMDS struct {
	Keys *sigv4verify.Keyring
	// Role is the instance profile role name; default "agent-node".
	Role string
	// Account; default 123456789012.
	Account string
	// TTL of the credentials handed out; default 6h.
	TTL time.Duration
	// HangToken makes the token PUT block until the client gives up, as
	// IMDS does behind a hop limit that is too low.
	HangToken atomic.Bool
	// Expired makes it hand out credentials whose expiration has passed,
	// as IMDS does under static stability during an outage.
	Expired atomic.Bool

	mu       sync.Mutex
	tokens   map[string]time.Time
	credGets int
}

// CredentialGets counts the credential fetches.
func (m *IMDS) CredentialGets() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.credGets
}

func (m *IMDS) role() string {
	if m.Role == "" {
		return "agent-node"
	}
	return m.Role
}

func (m *IMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const credPath = "/latest/meta-data/iam/security-credentials/"
	if r.URL.Path == "/latest/api/token" {
		if r.Method != http.MethodPut {
			http.Error(w, "", http.StatusMethodNotAllowed)
			return
		}
		if m.HangToken.Load() {
			<-r.Context().Done()
			return
		}
		ttl, err := strconv.Atoi(r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
		if err != nil || ttl < 1 || ttl > 21600 {
			http.Error(w, "", http.StatusBadRequest)
			return
		}
		token := sigv4verify.RandomID(56)
		m.mu.Lock()
		if m.tokens == nil {
			m.tokens = map[string]time.Time{}
		}
		m.tokens[token] = time.Now().Add(time.Duration(ttl) * time.Second)
		m.mu.Unlock()
		w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", strconv.Itoa(ttl))
		_, _ = w.Write([]byte(token))
		return
	}
	m.mu.Lock()
	exp, ok := m.tokens[r.Header.Get("X-aws-ec2-metadata-token")]
	m.mu.Unlock()
	if !ok || time.Now().After(exp) {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	switch {
	case r.URL.Path == credPath:
		_, _ = w.Write([]byte(m.role()))
	case r.URL.Path == credPath+m.role():
		m.serveCredentials(w)
	case strings.HasPrefix(r.URL.Path, credPath):
		http.NotFound(w, r)
	case r.URL.Path == "/latest/meta-data/placement/region":
		_, _ = w.Write([]byte("us-east-1"))
	default:
		http.NotFound(w, r)
	}
}

func (m *IMDS) serveCredentials(w http.ResponseWriter) {
	account := m.Account
	if account == "" {
		account = "123456789012"
	}
	ttl := m.TTL
	if ttl == 0 {
		ttl = 6 * time.Hour
	}
	arn := "arn:aws:sts::" + account + ":assumed-role/" + m.role() + "/i-0123456789abcdef0"
	key := m.Keys.Issue(arn, account, "AROAEXAMPLEID:i-0123456789abcdef0", ttl)
	expires := key.Expires
	if m.Expired.Load() {
		expires = time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
		// Static stability: the old credentials still work at AWS.
		key.Expires = time.Time{}
		m.Keys.Add(key)
	}
	m.mu.Lock()
	m.credGets++
	m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"Code":            "Success",
		"LastUpdated":     time.Now().UTC().Format(time.RFC3339),
		"Type":            "AWS-HMAC",
		"AccessKeyId":     key.AccessKeyID,
		"SecretAccessKey": key.SecretAccessKey,
		"Token":           key.SessionToken,
		"Expiration":      expires.Format(time.RFC3339),
	})
}
