package iam

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// Version is the IAM policy language version every document states.
const Version = "2012-10-17"

// A Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// A Statement is one statement of a Document. Principal is set only in
// trust policies.
type Statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// JSON is the document as IAM takes it, indented.
func (d Document) JSON() []byte {
	b, _ := json.MarshalIndent(d, "", "  ") // nothing in a Document fails to marshal
	return append(b, '\n')
}

// Identity is the identity policy that allows grants: one statement per
// set of actions, with every resource they need, in a stable order.
func Identity(grants []Grant) Document {
	byAction := map[string][]string{}
	for _, g := range grants {
		if !slices.Contains(byAction[g.Action], g.Resource) {
			byAction[g.Action] = append(byAction[g.Action], g.Resource)
		}
	}
	actions := make([]string, 0, len(byAction))
	for a := range byAction {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	d := Document{Version: Version}
	for _, a := range actions {
		resources := byAction[a]
		if slices.Contains(resources, "*") {
			resources = []string{"*"} // "*" covers the others
		}
		slices.Sort(resources)
		d.Statement = append(d.Statement, Statement{Sid: sid(a), Effect: "Allow", Action: []string{a}, Resource: resources})
	}
	return d
}

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// sid names a statement by its action: aps:RemoteWrite is ApsRemoteWrite.
func sid(action string) string {
	var b strings.Builder
	for _, part := range notAlnum.Split(action, -1) {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
