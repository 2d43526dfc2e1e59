// Package chain resolves AWS credentials from the sources the AWS SDKs
// use, in their order — static keys, the environment, a web identity
// token (IRSA), a shared profile, the ECS or EKS Pod Identity container
// endpoint, EC2 IMDSv2 — and assumes role_arn with what it found. Package
// source reads each source's inputs (through the SDK's EnvConfig) and
// returns the SDK's provider; what is the chain's own is the order, the
// walk that says why each source was passed over, and the rule that a
// source whose inputs are present but broken fails the refresh instead of
// falling through to the next (a broken IRSA setup never ends on the
// node's instance role).
//
// A Chain does not cache: wrap it in a cache.Cache.
//
// The sources' inputs, one by one, and what the chain does with each are
// documented for users in docs/reference/aws.auth.md ("Where credentials
// come from"), the one place they are written out.
package chain
