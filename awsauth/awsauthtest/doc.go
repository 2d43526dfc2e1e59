// Package awsauthtest stands in for AWS on loopback: a SigV4 verifier
// written from the AWS documentation (it never calls a signer), a keyring of
// the credentials the fakes issue, and fake STS, IMDSv2, container
// credential and service endpoints that speak AWS's wire formats, so that
// the real aws-sdk-go-v2 clients talk to them unchanged.
package awsauthtest
