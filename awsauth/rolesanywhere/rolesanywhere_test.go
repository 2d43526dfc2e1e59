package rolesanywhere

import (
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest/pki"
)

// Whatever a key file holds, parsing it neither panics nor quotes it.
func FuzzParsePrivateKey(f *testing.F) {
	f.Add(pki.KeyPEM(pki.NewKey(pki.ECDSAP256), "SEC1"))
	f.Add(pki.KeyPEM(pki.NewKey(pki.ECDSAP256), "PKCS8"))
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

// The region is the block's, else the one passed in, else the trust
// anchor's; the endpoint the block's, else the one passed in (the
// environment's), else the regional one, FIPS when asked.
func TestRegionAndEndpoint(t *testing.T) {
	const anchor = "arn:aws:rolesanywhere:ap-south-1:111122223333:trust-anchor/ta"
	for _, c := range []struct {
		block   Config
		opts    Options
		region  string
		address string
	}{
		{Config{TrustAnchorARN: anchor}, Options{}, "ap-south-1", "https://rolesanywhere.ap-south-1.amazonaws.com"},
		{Config{TrustAnchorARN: anchor}, Options{Region: "eu-west-1"}, "eu-west-1", "https://rolesanywhere.eu-west-1.amazonaws.com"},
		{Config{TrustAnchorARN: anchor, Region: "us-west-2"}, Options{Region: "eu-west-1"}, "us-west-2", "https://rolesanywhere.us-west-2.amazonaws.com"},
		{Config{TrustAnchorARN: anchor}, Options{UseFIPSEndpoint: true}, "ap-south-1", "https://rolesanywhere-fips.ap-south-1.amazonaws.com"},
		{Config{TrustAnchorARN: anchor}, Options{Endpoint: "http://127.0.0.1:9"}, "ap-south-1", "http://127.0.0.1:9"},
		{Config{TrustAnchorARN: anchor, Endpoint: "https://ra.example"}, Options{Endpoint: "http://127.0.0.1:9"}, "ap-south-1", "https://ra.example"},
	} {
		p := New(&c.block, c.opts)
		if p.region != c.region || p.endpoint != c.address {
			t.Errorf("%+v %+v: region %s endpoint %s, want %s %s", c.block, c.opts, p.region, p.endpoint, c.region, c.address)
		}
	}
}
