package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// CA is a certificate authority for tests: a trust anchor, or an
// intermediate under one.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// KeyKind is the kind of key a certificate is issued for.
type KeyKind string

const (
	RSA2048   KeyKind = "rsa2048"
	RSA4096   KeyKind = "rsa4096"
	ECDSAP256 KeyKind = "p256"
	ECDSAP384 KeyKind = "p384"
)

// NewKey makes a private key of the kind.
func NewKey(kind KeyKind) crypto.Signer {
	var k crypto.Signer
	var err error
	switch kind {
	case RSA4096:
		k, err = rsa.GenerateKey(rand.Reader, 4096)
	case ECDSAP256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		panic(err)
	}
	return k
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(time.Now().UnixNano()/1000 + serial.Add(1)) }

// NewCA makes a self-signed root CA.
func NewCA(name string) *CA {
	key := NewKey(ECDSAP256)
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	return &CA{Cert: mustCreate(tmpl, tmpl, key.Public(), key), Key: key}
}

// Intermediate issues a CA under ca.
func (ca *CA) Intermediate(name string) *CA {
	key := NewKey(ECDSAP256)
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	return &CA{Cert: mustCreate(tmpl, ca.Cert, key.Public(), ca.Key), Key: key}
}

// Issue makes an end-entity certificate for key, valid from notBefore to
// notAfter, as a PKI agent or cert-manager would for a workload.
func (ca *CA) Issue(cn string, key crypto.Signer, notBefore, notAfter time.Time) *x509.Certificate {
	return ca.IssueWith(cn, key, notBefore, notAfter, nil)
}

// IssueWith is Issue with the template edited before signing: a
// certificate a PKI should not have issued, for the tests that expect it
// refused.
func (ca *CA) IssueWith(cn string, key crypto.Signer, notBefore, notAfter time.Time, edit func(*x509.Certificate)) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn, Organization: []string{"Example Corp"}},
		NotBefore: notBefore, NotAfter: notAfter, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if edit != nil {
		edit(tmpl)
	}
	return mustCreate(tmpl, ca.Cert, key.Public(), ca.Key)
}

func mustCreate(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return cert
}

// CertPEM encodes certificates as PEM blocks, one after the other.
func CertPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// KeyPEM encodes a private key in the form named: "PKCS8", "PKCS1" (RSA)
// or "SEC1" (EC).
func KeyPEM(key crypto.Signer, form string) []byte {
	var block *pem.Block
	switch form {
	case "PKCS1":
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))}
	case "SEC1":
		der, err := x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
		if err != nil {
			panic(err)
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			panic(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	return pem.EncodeToMemory(block)
}

// WriteLeaf issues a certificate for cn, valid from an hour ago until
// notAfter, on a new P-256 key, and writes the key (PKCS #8) and then the
// certificate, PEM, to dir/agent.key and dir/agent.crt: key first, as a
// rotation writes them, so a refresh between the two finds them apart.
func (ca *CA) WriteLeaf(dir, cn string, notAfter time.Time) (leaf *x509.Certificate, certFile, keyFile string, err error) {
	key := NewKey(ECDSAP256)
	leaf = ca.Issue(cn, key, time.Now().Add(-time.Hour), notAfter)
	certFile, keyFile = filepath.Join(dir, "agent.crt"), filepath.Join(dir, "agent.key")
	if err := os.WriteFile(keyFile, KeyPEM(key, "PKCS8"), 0o600); err != nil {
		return nil, "", "", err
	}
	if err := os.WriteFile(certFile, CertPEM(leaf), 0o600); err != nil {
		return nil, "", "", err
	}
	return leaf, certFile, keyFile, nil
}
