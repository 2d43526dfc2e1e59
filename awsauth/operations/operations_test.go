package operations

import (
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// The telemetry writes of the default services match, on their data-plane
// hosts; the operations #23 found signable through the services — control
// planes, permission changes, deletes and reads — do not.
func TestOperationsAreTelemetryWritesOnly(t *testing.T) {
	for _, c := range []struct {
		method, host, path string
		want               string // the operation's Name, "" for none
	}{
		{"POST", "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws-1/api/v1/remote_write", "RemoteWrite"},
		{"POST", "vpce-0a1b-x.aps-workspaces.us-east-1.vpce.amazonaws.com", "/workspaces/ws-1/api/v1/remote_write", "RemoteWrite"},
		{"POST", "logs.us-east-1.amazonaws.com", "/v1/logs", "OTLP logs"},
		{"POST", "logs-fips.us-gov-west-1.amazonaws.com", "/v1/logs", "OTLP logs"},
		{"POST", "xray.us-east-1.amazonaws.com", "/v1/traces", "OTLP traces"},
		{"POST", "xray.us-east-1.amazonaws.com", "/TraceSegments", "PutTraceSegments"},
		{"POST", "monitoring.us-east-1.amazonaws.com", "/v1/metrics", "OTLP metrics"},
		{"POST", "search-logs-abc123.us-east-1.es.amazonaws.com", "/_bulk", "_bulk"},
		{"PUT", "search-logs-abc123.us-east-1.es.amazonaws.com", "/app-2026.12.01/_bulk", "_bulk"},
		{"POST", "vpc-logs-abc123.us-east-1.es.amazonaws.com", "/app/_doc", "_doc"},
		{"PUT", "search-logs-abc123.us-east-1.es.amazonaws.com", "/app/_doc/42", "_doc"},
		{"POST", "abc123xyz.us-east-1.aoss.amazonaws.com", "/app/_bulk", "_bulk"},
		{"POST", "logs-pipeline-abc.us-east-1.osis.amazonaws.com", "/log/ingest", "Ingest"},
		{"POST", "a1b2c3.execute-api.us-east-1.amazonaws.com", "/prod/loki/api/v1/push", "Invoke"},

		// Control planes.
		{"POST", "es.us-east-1.amazonaws.com", "/2021-01-01/opensearch/domain/logs/config", ""}, // UpdateDomainConfig
		{"POST", "aoss.us-east-1.amazonaws.com", "/", ""},                                       // CreateSecurityPolicy
		{"PUT", "aps.us-east-1.amazonaws.com", "/workspaces/ws-1/alertmanager/definition", ""},  // PutAlertManagerDefinition
		{"POST", "aps.us-east-1.amazonaws.com", "/workspaces", ""},                              // CreateWorkspace
		{"PUT", "osis.us-east-1.amazonaws.com", "/2022-01-01/osis/updatePipeline/p", ""},        // UpdatePipeline
		// Permission changes, deletes, configuration, on the service endpoints.
		{"POST", "logs.us-east-1.amazonaws.com", "/", ""},                    // PutResourcePolicy, DeleteLogGroup, FilterLogEvents (X-Amz-Target)
		{"POST", "monitoring.us-east-1.amazonaws.com", "/", ""},              // DeleteAlarms, PutMetricData (Query)
		{"POST", "xray.us-east-1.amazonaws.com", "/PutEncryptionConfig", ""}, // PutEncryptionConfig
		{"POST", "xray.us-east-1.amazonaws.com", "/TraceSummaries", ""},      // a read
		// Reads and the security plugin on the data planes.
		{"POST", "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws-1/api/v1/query", ""},
		{"POST", "search-logs-abc123.us-east-1.es.amazonaws.com", "/_search", ""},
		{"POST", "search-logs-abc123.us-east-1.es.amazonaws.com", "/app/_search", ""},
		{"PUT", "search-logs-abc123.us-east-1.es.amazonaws.com", "/_plugins/_security/api/internalusers/x", ""},
		{"PUT", "search-logs-abc123.us-east-1.es.amazonaws.com", "/_plugins/_doc/x", ""},
		{"PUT", "search-logs-abc123.us-east-1.es.amazonaws.com", "/app", ""}, // create an index
		{"POST", "search-logs-abc123.us-east-1.es.amazonaws.com", "/app/_delete_by_query", ""},
		// Paths that look like a write but are not one.
		{"POST", "logs.us-east-1.amazonaws.com", "/v1/logs/../", ""},
		{"POST", "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws-1/api/v1/remote_write/x", ""},
		{"GET", "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws-1/api/v1/remote_write", ""},
		{"DELETE", "a1b2c3.execute-api.us-east-1.amazonaws.com", "/prod/x", ""},
		// Function and lattice URLs are no service's endpoint.
		{"POST", "a1b2c3.execute-api.us-east-1.on.aws", "/prod/x", ""},
		// Third-party PrivateLink: not AWS's service, whatever its path.
		{"POST", "vpce-0a1b-2c3d.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", "/v1/logs", ""},
	} {
		op, ok := Match(c.method, scope.Parse(c.host), c.path)
		if ok != (c.want != "") || op.Name != c.want {
			t.Errorf("%s %s%s: %q (%v), want %q", c.method, c.host, c.path, op.Name, ok, c.want)
		}
	}
}
