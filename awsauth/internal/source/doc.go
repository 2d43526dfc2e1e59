// Package source holds the credential sources, one per file as the SDK's
// credentials packages: static keys, the environment's keys, a web
// identity token (IRSA), a shared profile, the ECS or EKS Pod Identity
// container endpoint, EC2 IMDSv2. Each is a Source whose Find reads its
// inputs (through the SDK's EnvConfig and shared-config loader) and
// answers in one of three ways: a provider (the inputs are present, and
// the SDK's provider fetches from them), a reason (they are absent, and
// the chain passes on to the next source), or an error (they are present
// but broken, and the chain stops there). The order of the sources is
// package chain's; STS and AssumeRole, which several of them use, are
// here too.
package source

// Names of the sources, as status, health and errors show them.
const (
	Static      = "static"
	Environment = "environment"
	WebIdentity = "web_identity"
	Profile     = "profile"
	Container   = "container"
	IMDS        = "imds"
)
