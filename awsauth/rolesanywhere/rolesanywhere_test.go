package rolesanywhere

import (
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// Whatever a key file holds, parsing it neither panics nor quotes it.
func FuzzParsePrivateKey(f *testing.F) {
	f.Add(awsauthtest.KeyPEM(awsauthtest.NewKey(awsauthtest.ECDSAP256), "SEC1"))
	f.Add(awsauthtest.KeyPEM(awsauthtest.NewKey(awsauthtest.ECDSAP256), "PKCS8"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("not pem at all"))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := parsePrivateKey("/k", b)
		if (key == nil) == (err == nil) {
			t.Fatalf("key %v and error %v", key, err)
		}
		if err != nil && len(b) >= 32 && strings.Contains(err.Error(), string(b)) {
			t.Fatalf("the error quotes the file: %v", err)
		}
	})
}
