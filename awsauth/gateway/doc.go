// Package gateway is the signing gateway: New returns an http.Handler that
// forwards {prefix}/{host}/{path} to https://{host}/{path}, signed, for the
// clients that take no custom transport (remote_write, loki.write). It
// holds which services it signs for (DefaultServices, never
// ForbiddenServices) and, for those, only the telemetry writes of package
// operations' table — the one table that the gateway's allowlist, a
// generated IAM policy and an AccessDenied's diagnosis read — within the
// bounds of package bounds. It knows nothing of Grafana Agent.
package gateway
