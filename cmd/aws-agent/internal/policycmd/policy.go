// Package policycmd is `aws-agent policy`: it reads a configuration and
// prints, for each aws.auth block, the IAM policies its identity needs —
// exactly the actions its downstream components send, on the narrowest
// resources their URLs and headers name — from the gateway's operations
// table (package awsauth/iam).
package policycmd

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
	"github.com/grafana/river/parser"
)

const usage = `aws-agent policy: the IAM policies each aws.auth block's identity needs.

  aws-agent policy [--account ID] [--vary ENV_VAR]... [--trust KIND [trust flags]] [--component aws.auth.LABEL [--print identity|base|trust]] CONFIG.river

Prints JSON: per aws.auth block, "identity_policy" (the actions its downstream
components send, on the resources they name), with role_arn "base_identity_policy"
(the AssumeRole step, for the identity that assumes it), and with --trust
"trust_policy". --print writes that one IAM document alone.
KIND: irsa, pod-identity, ec2, ecs, roles-anywhere, account:ID (a role assumed from
account ID, with the block's external_id; or account with --trusted-account ID).

Exit status 2: an endpoint whose IAM action aws.auth does not know (named on stderr).

Flags:
`

// ErrUnknownEndpoints is returned when some endpoint could not be put in
// a policy; they are named on stderr, and the policies printed lack them.
var ErrUnknownEndpoints = exitstatus.New(2, "some endpoints are not in the policies")

// Run is `aws-agent policy`.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	account := fs.String("account", "", "the account of the resources (default: role_arn's, else *)")
	trust := fs.String("trust", "", "also write the role's trust policy: "+strings.Join(iam.Trusts, ", "))
	var t iam.TrustOptions
	fs.StringVar(&t.OIDCProvider, "oidc-provider", "", "irsa: the cluster's OIDC issuer, oidc.eks.REGION.amazonaws.com/id/ID")
	fs.StringVar(&t.Namespace, "namespace", "", "irsa: the agent's namespace")
	fs.StringVar(&t.ServiceAccount, "service-account", "", "irsa: the agent's service account")
	fs.StringVar(&t.SubjectCN, "subject-cn", "", "roles-anywhere: the certificate subject's CN to require")
	fs.StringVar(&t.TrustedAccount, "trusted-account", "", "account: the account whose identities may assume the role")
	vary := map[string]bool{}
	fs.Func("vary", "an environment variable that differs per agent (POD_NAME): resources named by it become * (repeatable)", func(v string) error {
		vary[v] = true
		return nil
	})
	only := fs.String("component", "", "only this block, e.g. aws.auth.amp")
	print := fs.String("print", "", "with --component: print one document alone: identity, base or trust")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("policy takes one configuration file")
	}
	if id, ok := strings.CutPrefix(*trust, "account:"); ok { // --trust account:ID
		*trust, t.TrustedAccount = "account", id
	}
	if *print != "" && *only == "" {
		return errors.New("--print needs --component")
	}
	file := fs.Arg(0)
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	parsed, err := parser.ParseFile(file, text)
	if err != nil {
		return err
	}
	blocks, order, unknowns, err := read(parsed.Body, vary)
	if err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no aws.auth block in %s", file)
	}
	out := map[string]map[string]any{}
	for _, id := range order {
		if *only != "" && id != *only {
			continue
		}
		b := blocks[id]
		docs, missing, err := policies(b, *account, *trust, t, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		unknowns = append(unknowns, missing...)
		out[id] = docs
	}
	if len(out) == 0 {
		return fmt.Errorf("no %s in %s", *only, file)
	}
	for _, u := range unknowns {
		fmt.Fprintf(stderr, "aws-agent policy: %s: %s: %s\n", u.Component, u.URL, u.Why)
	}
	var v any = out
	if *print != "" {
		key := map[string]string{"identity": "identity_policy", "base": "base_identity_policy", "trust": "trust_policy"}[*print]
		doc, ok := out[*only][key]
		if !ok {
			return fmt.Errorf("--print %s: %s has no such policy (base needs role_arn, trust needs --trust)", *print, *only)
		}
		v = doc
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(stdout, "%s\n", b)
	if len(unknowns) > 0 {
		return ErrUnknownEndpoints
	}
	return nil
}
