// Package fakeaws stands in for the AWS endpoints a credential chain and a
// signer talk to, on loopback and in their own wire formats, so that the
// real aws-sdk-go-v2 clients talk to them unchanged: STS (Query API:
// AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity; throttling and
// forced failures), IMDSv2, the ECS / EKS Pod Identity container endpoint,
// and a service Endpoint that verifies every signature with the
// sigv4verify verifier and counts what it accepted.
package fakeaws
