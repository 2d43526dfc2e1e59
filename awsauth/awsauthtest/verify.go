package awsauthtest

import "github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"

// The verifier, its keyring and AWS's error answers are package
// sigv4verify's, which aws-agent's sign --verify ships apart from the test
// kit; the kit's names for them stay.
type (
	Verifier = sigv4verify.Verifier
	Caller   = sigv4verify.Caller
	Error    = sigv4verify.Error
	Key      = sigv4verify.Key
	Keyring  = sigv4verify.Keyring
)

var (
	NewKeyring  = sigv4verify.NewKeyring
	AssumedRole = sigv4verify.AssumedRole
	RandomID    = sigv4verify.RandomID
	RequestID   = sigv4verify.RequestID
	HangUp      = sigv4verify.HangUp
)
