package rolesanywhere

import (
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

// Whatever a key file holds, parsing it neither panics nor quotes it: no
// 16-character window of the file's lines between its PEM armour (the key's
// body) appears in the error. Caught (tried once, not committed): an error
// that quotes one line of the key, which the old whole-file check passed.
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
		if err != nil {
			if w, ok := quotedWindow(err.Error(), b); ok {
				t.Fatalf("the error quotes the file (%q): %v", w, err)
			}
		}
	})
}

// quotedWindow finds in msg a 16-character window of the key file's body:
// of any run of the base64 alphabet a PEM body is written in, outside the
// armour lines ("-----BEGIN TYPE-----", whose type the errors may name).
// The errors' own words never make such a run (each has a space, '_', '.'
// or '-' within 16 characters), so whatever the fuzzer makes, a match is
// a quote of the file.
func quotedWindow(msg string, file []byte) (string, bool) {
	const width = 16
	isBase64 := func(r rune) bool {
		return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '='
	}
	for _, line := range strings.Split(string(file), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "-----") {
			continue
		}
		for _, run := range strings.FieldsFunc(line, func(r rune) bool { return !isBase64(r) }) {
			for i := 0; i+width <= len(run); i++ {
				if w := run[i : i+width]; strings.Contains(msg, w) {
					return w, true
				}
			}
		}
	}
	return "", false
}

// The leak check itself can fail: one quoted line of a key is found.
func TestQuotedWindowFindsOneLine(t *testing.T) {
	file := pki.KeyPEM(pki.NewKey(pki.ECDSAP256), "PKCS8")
	line := strings.Split(string(file), "\n")[2]
	if _, ok := quotedWindow("private_key_file: bad byte near "+line[5:30], file); !ok {
		t.Fatal("a quoted piece of the key's body went unseen")
	}
	if w, ok := quotedWindow(`roles_anywhere: private_key_file: /k holds a PEM "CERTIFICATE", not a private key`, file); ok {
		t.Fatalf("an error that quotes nothing matched %q", w)
	}
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
