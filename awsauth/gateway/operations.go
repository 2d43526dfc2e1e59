package gateway

import (
	"regexp"
	"slices"
	"strings"
)

// An Operation is one telemetry write the gateway signs: the requests it
// matches, and what IAM must allow for it.
type Operation struct {
	// Name is the service's own name for it.
	Name string
	// Service is the signing name (the credential scope's service).
	Service string
	// Endpoint is the host's service label: the data-plane endpoint the
	// operation is sent to (aps-workspaces, not aps's control plane).
	Endpoint string
	Methods  []string
	// Path matches the request's path; nil matches any.
	Path *regexp.Regexp
	// Action is the IAM action the request needs, Resource the ARN it
	// acts on, with ${Partition}, ${Region}, ${Account} and the host's or
	// path's parts (${Workspace}, ${Domain}, ...) to fill in.
	Action, Resource string
}

// index names may not begin with _ (the APIs: _search, _plugins, ...),
// - or +, nor be . or ..
const index = `[^_\-+./][^/]*`

// Operations are the telemetry writes of the default services, sent to
// their data-plane endpoints only: no control plane, permission change,
// delete or read is among them.
var Operations = []Operation{
	{"RemoteWrite", "aps", "aps-workspaces", []string{"POST"}, regexp.MustCompile(`^/workspaces/[^/]+/api/v1/remote_write$`),
		"aps:RemoteWrite", "arn:${Partition}:aps:${Region}:${Account}:workspace/${Workspace}"},
	{"OTLP logs", "logs", "logs", []string{"POST"}, regexp.MustCompile(`^/v1/logs$`),
		"logs:PutLogEvents", "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroup}:log-stream:${LogStream}"},
	{"OTLP traces", "xray", "xray", []string{"POST"}, regexp.MustCompile(`^/v1/traces$`),
		"xray:PutTraceSegments", "*"},
	{"PutTraceSegments", "xray", "xray", []string{"POST"}, regexp.MustCompile(`^/TraceSegments$`),
		"xray:PutTraceSegments", "*"},
	{"OTLP metrics", "monitoring", "monitoring", []string{"POST"}, regexp.MustCompile(`^/v1/metrics$`),
		"cloudwatch:PutMetricData", "*"},
	{"_bulk", "es", "es", []string{"POST", "PUT"}, regexp.MustCompile(`^(/` + index + `)?/_bulk$`),
		"es:ESHttp${Method}", "arn:${Partition}:es:${Region}:${Account}:domain/${Domain}/${Path}"},
	{"_doc", "es", "es", []string{"POST", "PUT"}, regexp.MustCompile(`^/` + index + `/_doc(/[^/]+)?$`),
		"es:ESHttp${Method}", "arn:${Partition}:es:${Region}:${Account}:domain/${Domain}/${Path}"},
	{"_bulk", "aoss", "aoss", []string{"POST", "PUT"}, regexp.MustCompile(`^(/` + index + `)?/_bulk$`),
		"aoss:APIAccessAll", "arn:${Partition}:aoss:${Region}:${Account}:collection/${Collection}"},
	{"_doc", "aoss", "aoss", []string{"POST", "PUT"}, regexp.MustCompile(`^/` + index + `/_doc(/[^/]+)?$`),
		"aoss:APIAccessAll", "arn:${Partition}:aoss:${Region}:${Account}:collection/${Collection}"},
	{"Ingest", "osis", "osis", []string{"POST"}, nil,
		"osis:Ingest", "arn:${Partition}:osis:${Region}:${Account}:pipeline/${Pipeline}"},
	{"Invoke", "execute-api", "execute-api", []string{"POST", "PUT"}, nil,
		"execute-api:Invoke", "arn:${Partition}:execute-api:${Region}:${Account}:${API}/${Stage}/${Method}/${Resource}"},
}

// Tabled tells whether the table holds operations of service: only those
// are signed for it, unless it is unrestricted.
func Tabled(service string) bool {
	return slices.ContainsFunc(Operations, func(o Operation) bool { return o.Service == service })
}

// Match finds the operation a request to host (an AWS endpoint, without
// port) by method for path is.
func Match(method, host, path string) (Operation, bool) {
	endpoint, dataPlane := Endpoint(host)
	if !dataPlane {
		return Operation{}, false
	}
	for _, o := range Operations {
		if o.Endpoint == endpoint && slices.Contains(o.Methods, method) && (o.Path == nil || o.Path.MatchString(path)) {
			return o, true
		}
	}
	return Operation{}, false
}

// Describe names what a request is, for a refusal: its method, path and
// endpoint.
func Describe(method, host, path string) string {
	endpoint, _ := Endpoint(host)
	if len(path) > 80 {
		path = path[:80] + "…"
	}
	return method + " " + path + " on " + endpoint
}

var awsSuffixes = []string{".amazonaws.com.cn", ".amazonaws.com", ".api.aws"}

// Endpoint is the service label of an AWS host — aps-workspaces, logs,
// es — and whether the host is a data-plane endpoint of a resource of the
// customer's or a regional service endpoint that takes data: an
// OpenSearch domain (DOMAIN.REGION.es.amazonaws.com) is, OpenSearch's
// control plane (es.REGION.amazonaws.com) is not.
func Endpoint(host string) (label string, dataPlane bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	var rest string
	for _, s := range awsSuffixes {
		if r, ok := strings.CutSuffix(host, s); ok {
			rest = r
			break
		}
	}
	labels := strings.Split(rest, ".")
	n := len(labels)
	if rest == "" || n < 2 {
		return "", false
	}
	last := labels[n-1]
	switch {
	case last == "vpce" && n >= 4: // vpce-ID.SERVICE.REGION.vpce
		return strings.TrimSuffix(labels[n-3], "-fips"), true
	case last == "es" || last == "aoss" || last == "osis": // RESOURCE.REGION.SERVICE
		return last, n >= 3
	}
	svc := labels[n-2]
	if svc == "dualstack" && n >= 3 {
		svc = labels[n-3]
	}
	svc = strings.TrimSuffix(svc, "-fips")
	switch svc {
	case "es", "aoss", "osis":
		return svc, false // the control plane: SERVICE.REGION
	case "execute-api":
		return svc, n >= 3 // API-ID.execute-api.REGION
	}
	return svc, true
}
