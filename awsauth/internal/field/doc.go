// Package field words configuration errors by the argument they are about
// (a River argument, or an environment variable the SDKs read), and holds
// the value shapes that more than one source checks: IAM role ARNs and
// STS session names. Its messages never quote a secret: callers pass
// names, paths and non-secret values only.
package field
