// Package awsauthtest is the test kit's core: the keyring of the
// credentials the fakes issue (the fake IAM), the SigV4 verifier written
// from the AWS documentation (it never calls a signer) and AWS's error
// answers — package sigv4verify's, under the kit's names — and helpers to
// keep a test's environment and goroutines in check.
//
// The fakes that speak AWS's wire formats are in fakeaws (STS, IMDSv2,
// the container credential endpoint, a verifying service endpoint) and
// pki (certificates, TLS servers for AWS host names behind a CONNECT
// proxy, IAM Roles Anywhere); receivers has the telemetry endpoints. None
// of them imports the code they check (TestTestKitIsIndependent).
package awsauthtest
