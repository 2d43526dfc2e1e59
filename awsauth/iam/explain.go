package iam

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/operations"
)

// Missing says what an AccessDenied that names its action and resource
// ("User: P is not authorized to perform: A on resource: R") asks for:
// the statement to add to P's identity policy, and for sts:AssumeRole
// the trust policy's side as well.
func Missing(principal, action, resource string) string {
	if resource == "" {
		resource = "*"
	}
	b, _ := json.Marshal(struct {
		Effect   string
		Action   string
		Resource string
	}{"Allow", action, resource})
	s := "add to the identity policy of " + principal + ": " + string(b)
	if strings.EqualFold(action, "sts:AssumeRole") && resource != "*" {
		s += "; and " + resource + "'s trust policy must allow it (Principal {\"AWS\": \"" + principal + "\"}, or its role or account, with sts:AssumeRole)"
	}
	return s
}

// Needs names what a service's telemetry writes need when AWS's
// AccessDenied does not say: the actions of the operations table for
// service, or "" when the table has none.
func Needs(service string) string {
	var actions []string
	for _, o := range operations.Table {
		for _, m := range o.Methods {
			a := o.ActionFor(m)
			if o.Service == service && !slices.Contains(actions, a) {
				actions = append(actions, a)
			}
		}
	}
	if len(actions) == 0 {
		return ""
	}
	return "the role's identity policy must allow " + strings.Join(actions, ", ") + " on the resource written to (aws-agent policy CONFIG.river prints the statement)"
}
