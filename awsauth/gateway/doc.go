// Package gateway holds the signing gateway's policy: which services it
// signs for (DefaultServices, never ForbiddenServices) and, for those,
// which operations — the telemetry writes in Operations, each with the IAM
// action and resource it needs, the one table that the gateway's allowlist,
// a generated IAM policy and an AccessDenied's diagnosis read.
package gateway
