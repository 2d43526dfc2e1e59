// Package signbench measures aws.auth's signing transport side by side with
// the signers a Grafana Agent v0.40.3 user would otherwise pick — the
// OpenTelemetry contrib sigv4authextension (otelcol.auth.sigv4) and
// prometheus/common/sigv4 (remote_write's sigv4 block) — and with the
// floor: SHA-256 of the body plus one HMAC chain. See bench.sh.
package signbench
