// Package pki is certificates for the demo and the tests, and what serves
// and authenticates with them: a CA (and intermediates) issuing RSA and
// ECDSA leaves, PEM in every form a key file comes in, loopback servers
// (Serve), TLS servers presenting certificates for AWS host names with a
// CONNECT proxy in front, and a fake IAM Roles Anywhere that verifies
// X.509-signed CreateSession calls against its trust anchor.
package pki
