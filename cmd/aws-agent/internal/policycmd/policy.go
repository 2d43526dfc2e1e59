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
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/riverfile"
)

const usage = `aws-agent policy: the IAM policies each aws.auth block's identity needs.

  aws-agent policy [--account ID] [--vary ENV_VAR]... [--trust KIND [trust flags]] [--component aws.auth.LABEL [--print identity|base|trust]] CONFIG.river

Prints JSON: per aws.auth block, "identity_policy" (the actions its downstream
components send, on the resources they name), with role_arn "base_identity_policy"
(the AssumeRole step, for the identity that assumes it), and with --trust
"trust_policy". --print writes that one IAM document alone.
KIND: irsa, pod-identity, pod-identity-target (EKS Pod Identity's cross-account
target role: --source-role ARN --external-id ID, the association's), ec2, ecs,
roles-anywhere, account:ID (a role assumed from account ID, with the block's
external_id; or account with --trusted-account ID).

Exit status 2: an endpoint whose IAM action aws.auth does not know (named on stderr).
Exit status 3: a block with nothing to grant (no identity policy is printed for it).

Flags:
`

// errUnknownEndpoints is returned when some endpoint could not be put in
// a policy; they are named on stderr, and the policies printed lack them.
var errUnknownEndpoints = exitstatus.New(2, "some endpoints are not in the policies")

// errNothingToGrant: a block whose components send nothing it knows of has
// no identity policy (IAM refuses an empty Statement); exit status 3.
var errNothingToGrant = exitstatus.New(3, "a block has nothing to grant")

// options are policy's command line.
type options struct {
	account, trust, only, print, file string
	trustOptions                      iam.TrustOptions
	vary                              map[string]bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{vary: map[string]bool{}}
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&o.account, "account", "", "without role_arn: the 12-digit account of the resources (default *); with role_arn the resources are in the role's account, and this is the base identity's (the trusted account of --trust account)")
	fs.StringVar(&o.trust, "trust", "", "also write the role's trust policy: "+strings.Join(iam.Trusts, ", "))
	t := &o.trustOptions
	fs.StringVar(&t.OIDCProvider, "oidc-provider", "", "irsa: the cluster's OIDC issuer, oidc.eks.REGION.amazonaws.com/id/ID")
	fs.StringVar(&t.Namespace, "namespace", "", "irsa: the agent's namespace")
	fs.StringVar(&t.ServiceAccount, "service-account", "", "irsa: the agent's service account")
	fs.StringVar(&t.SubjectCN, "subject-cn", "", "roles-anywhere: the certificate subject's CN to require")
	fs.StringVar(&t.TrustedAccount, "trusted-account", "", "account: the account whose identities may assume the role")
	fs.StringVar(&t.SourceRoleARN, "source-role", "", "pod-identity-target: the role of the EKS Pod Identity association whose targetRoleArn this is")
	fs.StringVar(&t.ExternalID, "external-id", "", "pod-identity-target: the externalId EKS returned for the association (default for account: the block's external_id)")
	fs.Func("vary", "an environment variable that differs per agent (POD_NAME): resources named by it become * (repeatable)", func(v string) error {
		o.vary[v] = true
		return nil
	})
	fs.StringVar(&o.only, "component", "", "only this block, e.g. aws.auth.amp")
	fs.StringVar(&o.print, "print", "", "with --component: print one document alone: identity, base or trust")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return o, errors.New("policy takes one configuration file")
	}
	o.file = fs.Arg(0)
	if id, ok := strings.CutPrefix(o.trust, "account:"); ok { // --trust account:ID
		o.trust, t.TrustedAccount = "account", id
	}
	if o.print != "" && o.only == "" {
		return o, errors.New("--print needs --component")
	}
	if o.account != "" && !iam.IsAccountID(o.account) {
		return o, fmt.Errorf("--account: want a 12-digit AWS account ID, got %q", o.account)
	}
	return o, nil
}

// Run is `aws-agent policy`.
func Run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	parsed, err := riverfile.Read(o.file)
	if err != nil {
		return err
	}
	blocks, order, unknowns, err := read(parsed.Body, o.vary)
	if err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no aws.auth block in %s", o.file)
	}
	out := map[string]map[string]any{}
	for _, id := range order {
		if o.only != "" && id != o.only {
			continue
		}
		docs, missing, err := policies(blocks[id], o.account, o.trust, o.trustOptions, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		unknowns = append(unknowns, missing...)
		out[id] = docs
	}
	if len(out) == 0 {
		return fmt.Errorf("no %s in %s", o.only, o.file)
	}
	for _, u := range unknowns {
		fmt.Fprintf(stderr, "aws-agent policy: %s: %s: %s\n", u.Component, u.URL, u.Why)
	}
	if err := o.printJSON(stdout, out); err != nil {
		return err
	}
	if len(unknowns) > 0 {
		return errUnknownEndpoints
	}
	for _, docs := range out {
		if _, ok := docs["identity_policy"]; !ok {
			return errNothingToGrant
		}
	}
	return nil
}

// printJSON prints every block's documents, or with --print the one asked
// for.
func (o options) printJSON(stdout io.Writer, out map[string]map[string]any) error {
	var v any = out
	if o.print != "" {
		key := map[string]string{"identity": "identity_policy", "base": "base_identity_policy", "trust": "trust_policy"}[o.print]
		doc, ok := out[o.only][key]
		if !ok {
			return fmt.Errorf("--print %s: %s has no such policy (identity needs a component that sends through it, base needs role_arn, trust needs --trust)", o.print, o.only)
		}
		v = doc
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(stdout, "%s\n", b)
	return nil
}
