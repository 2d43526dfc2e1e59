package iam

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/operations"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// A Request is what a downstream component sends: its method, URL, and
// the headers that name resources (CloudWatch Logs' x-aws-log-group and
// x-aws-log-stream).
type Request struct {
	Method string
	URL    string
	Header http.Header
}

// A Grant is what one request needs: the operation it is, and the IAM
// action and resource ARN that allow it.
type Grant struct {
	Operation        string
	Action, Resource string
}

// Statement is the identity-policy statement that allows g alone.
func (g Grant) Statement() Statement {
	return Statement{Sid: sid(g.Action), Effect: "Allow", Action: []string{g.Action}, Resource: []string{g.Resource}}
}

// For is what req needs, signed with credentials of account ("*" when it
// is not known). An endpoint the operations table does not know, or a
// request that lacks what its resource is named by, is an error saying
// which.
func For(req Request, account string) (Grant, error) {
	u, method, err := req.target()
	if err != nil {
		return Grant{}, err
	}
	h := scope.Parse(u.Host)
	host, region := h.Name, h.Region
	op, ok := operations.Match(method, h, u.EscapedPath())
	if !ok {
		return Grant{}, fmt.Errorf("%s: not a telemetry write aws.auth knows the IAM action of", operations.Describe(method, h, u.EscapedPath()))
	}
	if account == "" {
		account = "*"
	}
	values := map[string]string{"Partition": scope.Partition(region), "Region": region, "Account": account}
	if err := resourceValues(op, host, u.Path, req.Header, method, values); err != nil {
		return Grant{}, fmt.Errorf("%s %s: %w", method, req.URL, err)
	}
	return Grant{Operation: op.Service + " " + op.Name, Action: op.ActionFor(method), Resource: fill(op.Resource, values)}, nil
}

// Known tells whether req is an operation of the table, whether or not it
// names all its resource needs (a logs export without its headers is
// known, and For says what it lacks).
func Known(req Request) bool {
	u, method, err := req.target()
	if err != nil {
		return false
	}
	_, ok := operations.Match(method, scope.Parse(u.Host), u.EscapedPath())
	return ok
}

// target is req's URL, which must be absolute, and its method (POST when
// unset).
func (req Request) target() (*url.URL, string, error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("%q is not an absolute URL", req.URL)
	}
	if req.Method == "" {
		return u, http.MethodPost, nil
	}
	return u, req.Method, nil
}

// fill replaces each ${Name} in template with its value.
func fill(template string, values map[string]string) string {
	for k, v := range values {
		template = strings.ReplaceAll(template, "${"+k+"}", v)
	}
	return template
}
