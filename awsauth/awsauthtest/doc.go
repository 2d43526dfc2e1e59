// Package awsauthtest is the test kit's core: the keyring of the
// credentials the fakes issue (the fake IAM), the SigV4 verifier written
// from the AWS documentation (it never calls a signer) and AWS's error
// answers — package sigv4verify's, under the kit's names — and helpers to
// keep a test's environment and goroutines in check.
//
// The fakes that speak AWS's wire formats are the demo's, which the tests
// run too: internal/demoaws (fakeaws, fakes3, pki, receivers). None of
// them imports the code they check (TestTestKitIsIndependent), and
// aws-agent, which links them for its demo, links nothing of this kit.
package awsauthtest
