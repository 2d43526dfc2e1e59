// Package gateway is the signing gateway: New returns an http.Handler that
// forwards {prefix}/{host}/{path} to https://{host}/{path}, signed, for the
// clients that take no custom transport (remote_write, loki.write). It
// holds which services it signs for (DefaultServices, never
// ForbiddenServices) and, for those, which operations — the telemetry
// writes in Operations, each with the IAM action and resource it needs,
// the one table that the gateway's allowlist, a generated IAM policy and
// an AccessDenied's diagnosis read. It knows nothing of Grafana Agent.
package gateway
