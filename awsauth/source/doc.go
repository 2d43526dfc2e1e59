// Package source reads, for one credential source at a time, whether its
// inputs are present in the environment and the shared files, and returns
// the SDK provider that fetches from them: the environment's keys, a
// shared profile, the ECS or EKS Pod Identity container endpoint, EC2
// IMDSv2. Like the SDK's credentials packages, one source per file.
//
// Each function answers in one of three ways: a provider (the inputs are
// present), a reason (they are absent, and the chain passes on to the
// next source), or an error (they are present but broken, and the chain
// stops there). The order of the sources, and what to do with each answer,
// is package chain's.
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
