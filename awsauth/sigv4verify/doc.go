// Package sigv4verify checks AWS Signature Version 4 as AWS does, written
// from AWS's documentation ("Create a signed AWS API request", "Elements
// of an AWS API request signature") and sharing no code with the signer in
// package sigv4: a Verifier over a Keyring of the credentials it knows
// answers a request with AWS's error (SignatureDoesNotMatch with the
// canonical request it expected, IncompleteSignature, ExpiredToken,
// RequestTimeTooSkewed, …).
//
// aws-agent's `sign --verify` ships it; the test kit's fakes verify every
// request with it (awsauthtest re-exports its names).
package sigv4verify
