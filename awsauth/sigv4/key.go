package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
	"sync/atomic"
)

// signingKey is a derived SigV4 key with its HMAC pads, so that a
// signature costs two SHA-256 passes and no allocation for the HMAC.
type signingKey struct {
	secret, date, region, service string
	key                           [32]byte
	ipad, opad                    [64]byte
}

func newSigningKey(secret, date, region, service string) *signingKey {
	k := &signingKey{secret: secret, date: date, region: region, service: service, key: deriveKey(secret, date, region, service)}
	for i := range k.ipad {
		var c byte
		if i < len(k.key) {
			c = k.key[i]
		}
		k.ipad[i], k.opad[i] = c^0x36, c^0x5c
	}
	return k
}

func (k *signingKey) is(secret, date, region, service string) bool {
	return k.secret == secret && k.date == date && k.region == region && k.service == service
}

// keyCache remembers derived signing keys: deriving one costs four HMACs,
// and a process signs for few (date, region, service, secret) at a time.
// The last key used is checked first, without a lock.
type keyCache struct {
	last atomic.Pointer[signingKey]
	mu   sync.Mutex
	keys []*signingKey
}

var signingKeys = &keyCache{}

func (c *keyCache) get(secret, date, region, service string) *signingKey {
	if k := c.last.Load(); k != nil && k.is(secret, date, region, service) {
		return k
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.keys {
		if k.is(secret, date, region, service) {
			c.last.Store(k)
			return k
		}
	}
	k := newSigningKey(secret, date, region, service)
	if len(c.keys) >= 32 { // dates and secrets roll over: forget the oldest
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, k)
	c.last.Store(k)
	return k
}

// deriveKey returns the SigV4 signing key for a secret, date (YYYYMMDD),
// region and service.
func deriveKey(secret, date, region, service string) [32]byte {
	h := func(key []byte, data string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(data))
		return m.Sum(nil)
	}
	var out [32]byte
	copy(out[:], h(h(h(h([]byte("AWS4"+secret), date), region), service), "aws4_request"))
	return out
}
