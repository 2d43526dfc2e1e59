package policycmd

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
	"github.com/grafana/river/ast"
	"github.com/grafana/river/vm"
)

// What an aws.auth export evaluates to here: its gateway_url and its
// handler become marks that say which block they are, since the
// configuration is read, not run.
const (
	gatewayMark = "aws-auth-gateway://"
	handlerMark = "aws-auth-handler://"
)

// block is one aws.auth block of the configuration and what is sent
// through it.
type block struct {
	ID       string
	Args     awsriver.Arguments
	Requests []sent
	archives []archive
}

// archive is an S3 archive a component writes through a block.
type archive struct {
	Component string
	iam.S3Archive
}

// sent is a request a downstream component sends through a block, and
// which component.
type sent struct {
	Component string
	iam.Request
}

// unknown is a downstream endpoint the policy cannot be written for.
type unknown struct{ Component, URL, Why string }

// read finds the aws.auth blocks of body and, for prometheus.remote_write
// and loki.write endpoints whose url is a gateway_url and
// otelcol.exporter.otlphttp clients whose auth is a handler, the requests
// sent through each.
//
// Environment variables in vary differ from agent to agent (a pod's name):
// downstream components read them as "*", so that a resource named by one
// (a log stream per pod) is every agent's.
func read(body ast.Body, vary map[string]bool) (map[string]*block, []string, []unknown, error) {
	r := &reader{blocks: map[string]*block{}}
	labels, err := r.readAWSAuth(body)
	if err != nil {
		return nil, nil, nil, err
	}
	env := func(name string) string {
		if vary[name] {
			return "*"
		}
		return os.Getenv(name)
	}
	r.scope = &vm.Scope{Variables: map[string]any{"aws": map[string]any{"auth": labels}, "env": env}}
	for _, stmt := range body {
		b, ok := stmt.(*ast.BlockStmt)
		if !ok {
			continue
		}
		name := strings.Join(b.Name, ".")
		switch component := name + "." + b.Label; name {
		case "prometheus.remote_write", "loki.write":
			r.readGatewayWrites(component, b)
		case "otelcol.exporter.otlphttp":
			r.readOTLPClients(component, b)
		case "otelcol.exporter.awss3":
			r.readS3Archive(component, b)
		}
	}
	return r.blocks, r.order, r.unknowns, nil
}

// reader collects the blocks and what is sent through them.
type reader struct {
	blocks   map[string]*block
	order    []string
	unknowns []unknown
	scope    *vm.Scope
}

// readAWSAuth reads the aws.auth blocks, and returns what their exports
// evaluate to here (marks naming the block).
func (r *reader) readAWSAuth(body ast.Body) (map[string]any, error) {
	labels := map[string]any{}
	for _, stmt := range body {
		b, ok := stmt.(*ast.BlockStmt)
		if !ok || strings.Join(b.Name, ".") != "aws.auth" {
			continue
		}
		id := "aws.auth." + b.Label
		var args awsriver.Arguments
		if err := vm.New(b.Body).Evaluate(nil, &args); err != nil {
			return nil, fmt.Errorf("%s: %w (policy reads aws.auth on its own: references to other components cannot be resolved)", id, err)
		}
		r.blocks[id] = &block{ID: id, Args: args}
		r.order = append(r.order, id)
		labels[b.Label] = map[string]any{"gateway_url": gatewayMark + b.Label, "handler": handlerMark + b.Label}
	}
	return labels, nil
}

func (r *reader) add(component, label string, req iam.Request) {
	if b, ok := r.blocks["aws.auth."+label]; ok {
		b.Requests = append(b.Requests, sent{component, req})
	}
}

// readGatewayWrites reads the endpoints of a prometheus.remote_write or
// loki.write that go through a gateway.
func (r *reader) readGatewayWrites(component string, b *ast.BlockStmt) {
	for _, ep := range blocksNamed(b.Body, "endpoint") {
		u, err := evalString(attr(ep.Body, "url"), r.scope)
		if err != nil {
			r.unknowns = append(r.unknowns, unknown{component, "endpoint { url }", err.Error()})
			continue
		}
		label, rest, ok := strings.Cut(strings.TrimPrefix(u, gatewayMark), "/")
		if !strings.HasPrefix(u, gatewayMark) || !ok {
			continue // not through a gateway
		}
		r.add(component, label, iam.Request{Method: http.MethodPost, URL: "https://" + rest})
	}
}

// readOTLPClients reads the clients of an otelcol.exporter.otlphttp that
// aws.auth's handler signs: one request per signal its endpoint takes.
func (r *reader) readOTLPClients(component string, b *ast.BlockStmt) {
	for _, c := range blocksNamed(b.Body, "client") {
		auth, err := evalString(attr(c.Body, "auth"), r.scope)
		if err != nil || !strings.HasPrefix(auth, handlerMark) {
			continue // not signed by aws.auth
		}
		label := strings.TrimPrefix(auth, handlerMark)
		headers := r.headers(component, c)
		endpoint, err := evalString(attr(c.Body, "endpoint"), r.scope)
		if err != nil {
			r.unknowns = append(r.unknowns, unknown{component, "client { endpoint }", err.Error()})
			continue
		}
		found := false
		for _, signal := range []string{"traces", "logs", "metrics"} {
			u := strings.TrimSuffix(endpoint, "/") + "/v1/" + signal
			if s, err := evalString(attr(b.Body, signal+"_endpoint"), r.scope); err == nil && s != "" {
				u = s
			}
			req := iam.Request{Method: http.MethodPost, URL: u, Header: headers}
			// An AWS OTLP endpoint takes one signal: the others are
			// no operation of its service, and not sent there.
			if iam.Known(req) {
				r.add(component, label, req)
				found = true
			}
		}
		if !found {
			r.unknowns = append(r.unknowns, unknown{component, endpoint, "no OTLP endpoint of an AWS service aws.auth knows the IAM action of"})
		}
	}
}

// readS3Archive reads an otelcol.exporter.awss3 that an aws.auth handler
// signs: s3:PutObject under its prefix (and its KMS key's data keys).
func (r *reader) readS3Archive(component string, b *ast.BlockStmt) {
	auth, err := evalString(attr(b.Body, "auth"), r.scope)
	if err != nil || !strings.HasPrefix(auth, handlerMark) {
		return
	}
	label := strings.TrimPrefix(auth, handlerMark)
	uploaders := blocksNamed(b.Body, "s3_uploader")
	if len(uploaders) != 1 {
		r.unknowns = append(r.unknowns, unknown{component, "s3_uploader", "no s3_uploader block"})
		return
	}
	u := uploaders[0].Body
	values := map[string]string{}
	for _, name := range []string{"s3_bucket", "s3_prefix", "region", "endpoint", "server_side_encryption", "ssekms_key_id"} {
		v, err := evalString(attr(u, name), r.scope)
		if err != nil {
			r.unknowns = append(r.unknowns, unknown{component, "s3_uploader { " + name + " }", err.Error()})
			return
		}
		values[name] = v
	}
	if values["endpoint"] != "" {
		r.unknowns = append(r.unknowns, unknown{component, values["endpoint"], "an S3-compatible store's endpoint: its access is its own, not IAM's"})
		return
	}
	region := values["region"]
	if blk, ok := r.blocks["aws.auth."+label]; ok && region == "" {
		region = blk.Args.Region
	}
	if b, ok := r.blocks["aws.auth."+label]; ok {
		b.archives = append(b.archives, archive{component, iam.S3Archive{Region: region, Bucket: values["s3_bucket"], Prefix: values["s3_prefix"],
			SSE: values["server_side_encryption"], KMSKeyID: values["ssekms_key_id"]}})
	}
}

// headers are a client block's headers.
func (r *reader) headers(component string, c *ast.BlockStmt) http.Header {
	headers := http.Header{}
	if h := attr(c.Body, "headers"); h != nil {
		var m map[string]string
		if err := vm.New(h).Evaluate(r.scope, &m); err != nil {
			r.unknowns = append(r.unknowns, unknown{component, "client { headers }", err.Error()})
		}
		for k, v := range m {
			headers.Set(k, v)
		}
	}
	return headers
}

func blocksNamed(body ast.Body, name string) []*ast.BlockStmt {
	var out []*ast.BlockStmt
	for _, s := range body {
		if b, ok := s.(*ast.BlockStmt); ok && strings.Join(b.Name, ".") == name {
			out = append(out, b)
		}
	}
	return out
}

func attr(body ast.Body, name string) ast.Expr {
	for _, s := range body {
		if a, ok := s.(*ast.AttributeStmt); ok && a.Name.Name == name {
			return a.Value
		}
	}
	return nil
}

// evalString evaluates e as a string; an absent attribute is "".
func evalString(e ast.Expr, scope *vm.Scope) (string, error) {
	if e == nil {
		return "", nil
	}
	var s string
	err := vm.New(e).Evaluate(scope, &s)
	return s, err
}
