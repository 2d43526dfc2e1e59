package iam

import (
	"errors"
	"net/http"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/operations"
)

// resourceValues reads, for op, the names its resource ARN is built of:
// from the host (the OpenSearch domain, the collection, the pipeline, the
// API), the path (the AMP workspace, the API's stage and resource, the
// OpenSearch path) or the headers (the log group and stream).
func resourceValues(op operations.Operation, host, path string, h http.Header, method string, v map[string]string) error {
	first := host[:strings.IndexByte(host+".", '.')] // the host's first label
	segments := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch op.Service {
	case "aps":
		v["Workspace"] = segments[1] // /workspaces/WS/api/v1/remote_write
	case "logs":
		v["LogGroup"], v["LogStream"] = h.Get("X-Aws-Log-Group"), h.Get("X-Aws-Log-Stream")
		if v["LogGroup"] == "" || v["LogStream"] == "" {
			return errors.New("CloudWatch Logs' OTLP endpoint writes to the log group and stream of the x-aws-log-group and x-aws-log-stream headers: set both")
		}
	case "es":
		// search-NAME-ID or vpc-NAME-ID; the ARN names NAME and the path.
		name := first[strings.IndexByte(first, '-')+1:]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		v["Domain"] = name
		p := strings.TrimPrefix(path, "/")
		if i := strings.Index(p, "/_doc/"); i >= 0 {
			p = p[:i] + "/_doc/*" // one document ID per request
		}
		v["Path"] = p
	case "aoss":
		v["Collection"] = first // COLLECTION-ID.REGION.aoss
	case "osis":
		name := first // PIPELINE-ID.REGION.osis
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		v["Pipeline"] = name
	case "execute-api":
		if strings.HasPrefix(first, "vpce-") {
			return errors.New("a private API's VPC endpoint names no API (it is in the x-apigw-api-id header): write the API's own URL, API-ID.execute-api.REGION.amazonaws.com")
		}
		v["API"], v["Stage"] = first, segments[0]
		if v["Stage"] == "" {
			return errors.New("an API Gateway URL names its stage first (/STAGE/PATH)")
		}
		v["Method"] = strings.ToUpper(method) // the ARN names it as sent: POST
		v["Resource"] = strings.Join(segments[1:], "/")
	}
	return nil
}
