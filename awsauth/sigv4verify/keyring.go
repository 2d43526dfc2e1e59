package sigv4verify

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"time"
)

// Key is one set of credentials AWS would recognise, with who it belongs to.
type Key struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // required on requests when set
	Expires         time.Time
	ARN             string
	Account         string
	UserID          string
}

// Keyring holds the keys the fakes accept. Safe for concurrent use.
type Keyring struct {
	mu   sync.RWMutex
	keys map[string]Key
}

// NewKeyring returns a keyring holding keys.
func NewKeyring(keys ...Key) *Keyring {
	k := &Keyring{keys: map[string]Key{}}
	for _, key := range keys {
		k.Add(key)
	}
	return k
}

// Add stores key, replacing one with the same access key id.
func (k *Keyring) Add(key Key) {
	k.mu.Lock()
	k.keys[key.AccessKeyID] = key
	k.mu.Unlock()
}

// Remove forgets an access key id.
func (k *Keyring) Remove(id string) {
	k.mu.Lock()
	delete(k.keys, id)
	k.mu.Unlock()
}

// Lookup finds a key.
func (k *Keyring) Lookup(id string) (Key, bool) {
	k.mu.RLock()
	key, ok := k.keys[id]
	k.mu.RUnlock()
	return key, ok
}

// Issue makes temporary credentials for arn valid for ttl and stores them.
func (k *Keyring) Issue(arn, account, userID string, ttl time.Duration) Key {
	key := Key{
		AccessKeyID:     "ASIA" + randomString(16, upperAlnum),
		SecretAccessKey: randomString(40, base64Alphabet),
		SessionToken:    "FwoGZXIvYXdzE" + randomString(120, base64Alphabet),
		Expires:         time.Now().Add(ttl).UTC().Truncate(time.Second),
		ARN:             arn,
		Account:         account,
		UserID:          userID,
	}
	k.Add(key)
	return key
}

const (
	upperAlnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// RandomID is n random characters of the alphabet AWS's key and role
// ids use.
func RandomID(n int) string { return randomString(n, upperAlnum) }

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}

// RequestID is a fresh request id in AWS's format.
func RequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	return strings.ToLower(s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20])
}

// Secrets lists the secret access keys and session tokens of every key the
// keyring holds, for tests that look for leaks.
func (k *Keyring) Secrets() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]string, 0, 2*len(k.keys))
	for _, key := range k.keys {
		out = append(out, key.SecretAccessKey)
		if key.SessionToken != "" {
			out = append(out, key.SessionToken)
		}
	}
	return out
}
