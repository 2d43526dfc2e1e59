package policycmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
)

// policies are the documents of one block: its identity policy, the base
// identity's when it assumes a role, and the role's trust policy when
// asked.
func policies(b *block, account, trust string, t iam.TrustOptions, stderr io.Writer) (map[string]any, []unknown, error) {
	role := b.Args.RoleARN
	if b.Args.RolesAnywhere != nil {
		role = b.Args.RolesAnywhere.RoleARN
	}
	partition := "aws"
	resources := account // the account the resources are in
	if role != "" {
		parts := strings.SplitN(role, ":", 6) // arn:PARTITION:iam::ACCOUNT:role/NAME
		if len(parts) == 6 {
			// The role writes: its account holds what it writes to.
			// --account is then the base identity's.
			partition, resources = parts[1], parts[4]
		}
		if trust == "account" && account != "" && t.TrustedAccount != "" && t.TrustedAccount != account {
			return nil, nil, fmt.Errorf("--account %s and the trusted account %s both name the base identity's account: give one", account, t.TrustedAccount)
		}
		if trust == "account" && t.TrustedAccount == "" {
			t.TrustedAccount = account
		}
	}
	if resources == "" {
		resources = "*"
		fmt.Fprintf(stderr, "aws-agent policy: %s: no --account and no role_arn: resources name account *\n", b.ID)
	}
	account = resources
	docs := map[string]any{}
	var grants []iam.Grant
	var missing []unknown
	for _, r := range b.Requests {
		g, err := iam.For(r.Request, account)
		if err != nil {
			missing = append(missing, unknown{r.Component, r.URL, err.Error()})
			continue
		}
		grants = append(grants, g)
	}
	for _, a := range b.archives {
		a.Account = account
		g, err := a.Grants()
		grants = append(grants, g...)
		if err != nil {
			missing = append(missing, unknown{a.Component, "s3://" + a.Bucket, err.Error()})
		}
	}
	switch {
	case len(grants) == 0 && len(missing) > 0:
		fmt.Fprintf(stderr, "aws-agent policy: %s: nothing to grant: its components send only to endpoints named above, whose IAM actions aws-agent policy does not know; write that statement by hand\n", b.ID)
	case len(grants) == 0:
		fmt.Fprintf(stderr, "aws-agent policy: %s: nothing to grant: no downstream component sends through it (its handler, gateway_url or transport); an identity policy with no statement is not valid IAM, so none is printed\n", b.ID)
	default:
		docs["identity_policy"] = iam.Identity(grants)
	}
	if b.Args.RoleARN != "" {
		docs["role_arn"] = b.Args.RoleARN
		docs["base_identity_policy"] = iam.Document{Version: iam.Version, Statement: []iam.Statement{
			iam.AssumeRole(b.Args.RoleARN, len(b.Args.SessionTags) > 0, b.Args.SourceIdentity != ""),
		}}
	}
	if trust != "" {
		t.Partition = partition
		if t.Account == "" && account != "*" {
			t.Account = account
		}
		if b.Args.RolesAnywhere != nil && t.TrustAnchorARN == "" {
			t.TrustAnchorARN = b.Args.RolesAnywhere.TrustAnchorARN
		}
		if t.ExternalID == "" && trust == "account" {
			t.ExternalID = b.Args.ExternalID
		}
		doc, err := iam.Trust(trust, t)
		if err != nil {
			return nil, nil, err
		}
		docs["trust_policy"] = doc
	}
	return docs, missing, nil
}
