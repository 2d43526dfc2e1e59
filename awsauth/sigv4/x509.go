package sigv4

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// IAM Roles Anywhere's algorithms: SigV4 with the string to sign signed by
// the certificate's private key instead of an HMAC key.
const (
	algorithmX509RSA   = "AWS4-X509-RSA-SHA256"
	algorithmX509ECDSA = "AWS4-X509-ECDSA-SHA256"
)

// Certificate is who signs a Roles Anywhere request: the end-entity
// certificate, the intermediates up to the trust anchor, and the key.
type Certificate struct {
	Leaf  *x509.Certificate
	Chain []*x509.Certificate
	Key   crypto.Signer
}

// SignX509 signs req as IAM Roles Anywhere's CreateSession verifies it
// ("The IAM Roles Anywhere authentication signing process"): SigV4's
// canonical request with X-Amz-X509 (the certificate, base64 DER) and
// X-Amz-X509-Chain signed too, the algorithm AWS4-X509-RSA-SHA256 or
// AWS4-X509-ECDSA-SHA256, the certificate's serial number in decimal
// where an access key id would be, and the string to sign signed with the
// private key: RSA PKCS #1 v1.5 or ECDSA (ASN.1), over its SHA-256.
func SignX509(req *http.Request, c Certificate, p SigningParams) (Signature, error) {
	alg, err := x509Algorithm(c.Key)
	if err != nil {
		return Signature{}, err
	}
	req.Header["X-Amz-X509"] = []string{base64.StdEncoding.EncodeToString(c.Leaf.Raw)}
	if len(c.Chain) > 0 {
		chain := make([]string, len(c.Chain))
		for i, cert := range c.Chain {
			chain[i] = base64.StdEncoding.EncodeToString(cert.Raw)
		}
		req.Header["X-Amz-X509-Chain"] = []string{strings.Join(chain, ",")}
	} else {
		delete(req.Header, "X-Amz-X509-Chain")
	}
	delete(req.Header, "X-Amz-Security-Token")

	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	ts := s.toSign(req, p, alg)
	digest := sha256.Sum256(s.sts)
	sig, err := c.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return Signature{}, fmt.Errorf("signing with the certificate's private key: %w", err)
	}
	var out Signature
	s.authorize(req, ts, alg, c.Leaf.SerialNumber.String(), sig, &out)
	return out, nil
}

func x509Algorithm(key crypto.Signer) (string, error) {
	switch key.Public().(type) {
	case *rsa.PublicKey:
		return algorithmX509RSA, nil
	case *ecdsa.PublicKey:
		return algorithmX509ECDSA, nil
	}
	return "", fmt.Errorf("a %T key cannot sign for IAM Roles Anywhere: RSA or ECDSA only", key.Public())
}
