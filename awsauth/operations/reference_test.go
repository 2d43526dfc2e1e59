package operations

import (
	"regexp"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// Every operation's IAM action exists in AWS's reference, and its
// resource is "*" exactly when the action takes no resource type, else an
// ARN of one of the action's resource types (the policy generator and the
// AccessDenied diagnosis write these into policies).
func TestOperationsAgainstAWSAuthorizationReference(t *testing.T) {
	ref, err := awsauthtest.ReadIAMReference("testdata/iam-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range Table {
		for _, method := range o.Methods {
			action := o.ActionFor(method)
			types, formats, ok := ref.Action(action)
			if !ok {
				t.Errorf("%s %s (%s): action %q is not in AWS's reference (%s)", o.Service, o.Name, method, action, ref.Version)
				continue
			}
			if len(types) == 0 {
				if o.Resource != "*" {
					t.Errorf("%s: takes no resource type, so its resource must be \"*\", not %q", action, o.Resource)
				}
				continue
			}
			required := false
			matched := ""
			for _, rt := range types {
				required = required || rt.Required
				if arn, ok := formats[rt.Name]; ok && sameARNShape(o.Resource, arn) {
					matched = rt.Name
				}
			}
			switch {
			case matched == "" && (required || o.Resource != "*"):
				t.Errorf("%s: resource %q is no ARN of its resource types %v", action, o.Resource, types)
			case matched == "" && !required:
				t.Logf("%s: resource \"*\" (its resource types are optional)", action)
			}
		}
	}
}

var placeholder = regexp.MustCompile(`\$\{[A-Za-z]+\}`)

// sameARNShape reports whether the table's ARN template has the shape of
// the reference's: the same literal parts, any placeholder names; the
// table may add a path below the resource (OpenSearch's domain/NAME/PATH,
// which its access policies match).
func sameARNShape(table, reference string) bool {
	shape := func(s string) string { return placeholder.ReplaceAllString(s, "${}") }
	t, r := shape(table), shape(reference)
	return t == r || strings.HasPrefix(t, r+"/")
}

func TestSameARNShape(t *testing.T) {
	for _, c := range []struct {
		table, reference string
		same             bool
	}{
		{"arn:${Partition}:aps:${Region}:${Account}:workspace/${Workspace}", "arn:${Partition}:aps:${Region}:${Account}:workspace/${WorkspaceId}", true},
		{"arn:${Partition}:es:${Region}:${Account}:domain/${Domain}/${Path}", "arn:${Partition}:es:${Region}:${Account}:domain/${DomainName}", true},
		{"arn:${Partition}:aps:${Region}:${Account}:workspaces/${Workspace}", "arn:${Partition}:aps:${Region}:${Account}:workspace/${WorkspaceId}", false},
		{"arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroup}", "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}", false},
		{"arn:${Partition}:es:${Region}:${Account}:domain/${Domain}x", "arn:${Partition}:es:${Region}:${Account}:domain/${DomainName}", false},
	} {
		if got := sameARNShape(c.table, c.reference); got != c.same {
			t.Errorf("sameARNShape(%q, %q) = %v", c.table, c.reference, got)
		}
	}
}
