package fakeaws

import (
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
)

// Container is a fake container credentials endpoint: the ECS agent behind
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or the EKS Pod Identity agent
// behind AWS_CONTAINER_CREDENTIALS_FULL_URI, which wants the token from
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE in the Authorization header.
type Container struct {
	Keys *sigv4verify.Keyring
	// Token, when set, must be the Authorization header.
	Token func() string
	// Role; default "agent-task".
	Role string
	// TTL of the credentials; default 6h.
	TTL time.Duration
	// Status, when nonzero, is answered instead of credentials.
	Status atomic.Int32

	mu   sync.Mutex
	gets int
	auth []string
}

// Gets counts the credential requests and returns the Authorization
// headers they carried.
func (c *Container) Gets() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets, append([]string(nil), c.auth...)
}

func (c *Container) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.gets++
	c.auth = append(c.auth, r.Header.Get("Authorization"))
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if s := c.Status.Load(); s != 0 {
		w.WriteHeader(int(s))
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "InternalError", "message": "the credentials agent failed"})
		return
	}
	if c.Token != nil && r.Header.Get("Authorization") != c.Token() {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "AccessDeniedException", "message": "invalid authorization token"})
		return
	}
	role, ttl := c.Role, c.TTL
	if role == "" {
		role = "agent-task"
	}
	if ttl == 0 {
		ttl = 6 * time.Hour
	}
	key := c.Keys.Issue("arn:aws:sts::123456789012:assumed-role/"+role+"/task", "123456789012", "AROATASK:task", ttl)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"AccessKeyId":     key.AccessKeyID,
		"SecretAccessKey": key.SecretAccessKey,
		"Token":           key.SessionToken,
		"Expiration":      key.Expires.Format(time.RFC3339),
		"AccountId":       "123456789012",
	})
}
