// Package operations is the table of telemetry writes: for each default
// service of the signing gateway, the requests it signs (endpoint,
// methods, path) and what IAM must allow for each (action, resource ARN).
// The gateway admits by it; package iam writes policies and explains
// AccessDenied from it.
package operations

import (
	"regexp"
	"slices"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
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

// Table holds the telemetry writes of the default services, sent to
// their data-plane endpoints only: no control plane, permission change,
// delete or read is among them.
var Table = []Operation{
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
	// A pipeline's ingestion path is its own configuration's (the http
	// source's path: "/log/ingest", "/my/test_path", "/NAME/logs"), so
	// any path: "To construct the full ingestion endpoint …, add the
	// ingestion path from your pipeline configuration to the ingestion
	// URL" (OpenSearch Service developer guide, "Integrating Amazon
	// OpenSearch Ingestion pipelines with other services and
	// applications"). The pipeline's host takes ingestion only; the API
	// that manages pipelines is osis.REGION.amazonaws.com and its
	// interface endpoints, never admitted (scope.Endpoint).
	{"Ingest", "osis", "osis", []string{"POST"}, nil,
		"osis:Ingest", "arn:${Partition}:osis:${Region}:${Account}:pipeline/${Pipeline}"},
	{"Invoke", "execute-api", "execute-api", []string{"POST", "PUT"}, nil,
		"execute-api:Invoke", "arn:${Partition}:execute-api:${Region}:${Account}:${API}/${Stage}/${Method}/${Resource}"},
}

// ActionFor is the IAM action a request by method needs: Action with
// ${Method} as IAM spells it in action names (POST: ESHttpPost).
func (o Operation) ActionFor(method string) string {
	if method == "" {
		return o.Action
	}
	return strings.ReplaceAll(o.Action, "${Method}", method[:1]+strings.ToLower(method[1:]))
}

// Known tells whether the table holds operations of service: only those
// are signed for it, unless it is unrestricted.
func Known(service string) bool {
	return slices.ContainsFunc(Table, func(o Operation) bool { return o.Service == service })
}

// Match finds the operation a request to host by method for path is.
func Match(method string, host scope.Host, path string) (Operation, bool) {
	if !host.DataPlane {
		return Operation{}, false
	}
	for _, o := range Table {
		if o.Endpoint == host.Label && slices.Contains(o.Methods, method) && (o.Path == nil || o.Path.MatchString(path)) {
			return o, true
		}
	}
	return Operation{}, false
}

// Describe names what a request is, for a refusal: its method, path and
// endpoint.
func Describe(method string, host scope.Host, path string) string {
	if len(path) > 80 {
		path = path[:80] + "…"
	}
	return method + " " + path + " on " + host.Label
}
