package iam

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// IsAccountID reports whether s is an AWS account ID: 12 digits.
func IsAccountID(s string) bool { return accountID.MatchString(s) }

// AssumeRole is the statement the base identity needs to assume roleARN:
// sts:AssumeRole, and sts:TagSession or sts:SetSourceIdentity when the
// session is tagged or given a source identity.
func AssumeRole(roleARN string, tags, sourceIdentity bool) Statement {
	actions := []string{"sts:AssumeRole"}
	if tags {
		actions = append(actions, "sts:TagSession")
	}
	if sourceIdentity {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	return Statement{Sid: "AssumeTelemetryRole", Effect: "Allow", Action: actions, Resource: []string{roleARN}}
}

// TrustOptions are what a trust policy names besides its kind.
type TrustOptions struct {
	// Partition of the role; "" is aws.
	Partition string
	// Account of the role (IRSA's OIDC provider is in it).
	Account string
	// OIDCProvider is the EKS cluster's issuer without https://
	// (oidc.eks.REGION.amazonaws.com/id/ID); Namespace and ServiceAccount
	// the agent's, for IRSA.
	OIDCProvider, Namespace, ServiceAccount string
	// TrustAnchorARN and SubjectCN, for Roles Anywhere.
	TrustAnchorARN, SubjectCN string
	// TrustedAccount and ExternalID, for a role in another account.
	TrustedAccount, ExternalID string
	// SourceRoleARN is the role of an EKS Pod Identity association whose
	// target role this is (pod-identity-target), with ExternalID the
	// externalId EKS returned for the association.
	SourceRoleARN string
}

// Trusts are the kinds of trust policy Trust writes.
var Trusts = []string{"irsa", "pod-identity", "pod-identity-target", "ec2", "ecs", "roles-anywhere", "account"}

// Trust is the trust policy of the agent's role where it runs: kind is
// one of Trusts. A missing option is an error naming it.
func Trust(kind string, o TrustOptions) (Document, error) {
	if o.Partition == "" {
		o.Partition = "aws"
	}
	service := func(principal string, actions ...string) Statement {
		return Statement{Effect: "Allow", Principal: map[string]string{"Service": principal}, Action: actions}
	}
	var s Statement
	switch kind {
	case "irsa":
		if !accountID.MatchString(o.Account) || o.OIDCProvider == "" || o.Namespace == "" || o.ServiceAccount == "" {
			return Document{}, fmt.Errorf("trust irsa: needs the role's 12-digit account, the cluster's OIDC provider (oidc.eks.REGION.amazonaws.com/id/ID), the namespace and the service account")
		}
		provider := strings.TrimPrefix(o.OIDCProvider, "https://")
		s = Statement{
			Effect:    "Allow",
			Principal: map[string]string{"Federated": fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", o.Partition, o.Account, provider)},
			Action:    []string{"sts:AssumeRoleWithWebIdentity"},
			Condition: map[string]map[string]string{"StringEquals": {
				provider + ":sub": "system:serviceaccount:" + o.Namespace + ":" + o.ServiceAccount,
				provider + ":aud": "sts.amazonaws.com",
			}},
		}
	case "pod-identity":
		s = service("pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession")
	case "pod-identity-target":
		// EKS Pod Identity's cross-account target role (an association's
		// targetRoleArn): EKS assumes it with the association's role,
		// tagging the session and passing the association's externalId,
		// which the trust policy requires so that no other association
		// or role can assume it (the confused deputy).
		if !field.IsRoleARN(o.SourceRoleARN) || o.ExternalID == "" {
			return Document{}, fmt.Errorf("trust pod-identity-target: needs the association's role ARN (--source-role) and the externalId EKS returned for the association (--external-id)")
		}
		s = Statement{Effect: "Allow", Principal: map[string]string{"AWS": o.SourceRoleARN}, Action: []string{"sts:AssumeRole", "sts:TagSession"},
			Condition: map[string]map[string]string{"StringEquals": {"sts:ExternalId": o.ExternalID}}}
	case "ec2":
		s = service("ec2.amazonaws.com", "sts:AssumeRole")
	case "ecs":
		s = service("ecs-tasks.amazonaws.com", "sts:AssumeRole")
	case "roles-anywhere":
		if o.TrustAnchorARN == "" {
			return Document{}, fmt.Errorf("trust roles-anywhere: needs the trust anchor's ARN")
		}
		s = service("rolesanywhere.amazonaws.com", "sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")
		s.Condition = map[string]map[string]string{"ArnEquals": {"aws:SourceArn": o.TrustAnchorARN}}
		if o.SubjectCN != "" {
			s.Condition["StringEquals"] = map[string]string{"aws:PrincipalTag/x509Subject/CN": o.SubjectCN}
		}
	case "account":
		if !accountID.MatchString(o.TrustedAccount) {
			return Document{}, fmt.Errorf("trust account: %q is not a 12-digit account ID", o.TrustedAccount)
		}
		s = Statement{Effect: "Allow", Principal: map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", o.Partition, o.TrustedAccount)}, Action: []string{"sts:AssumeRole"}}
		if o.ExternalID != "" {
			s.Condition = map[string]map[string]string{"StringEquals": {"sts:ExternalId": o.ExternalID}}
		}
	default:
		return Document{}, fmt.Errorf("trust %q: want one of %s", kind, strings.Join(Trusts, ", "))
	}
	return Document{Version: Version, Statement: []Statement{s}}, nil
}
