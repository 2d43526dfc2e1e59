package iam

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// S3Archive is what otelcol.exporter.awss3 needs: s3:PutObject on the
// keys under its prefix and nothing else — no s3:ListBucket, no
// s3:GetObject, no ACL action (it sends none) — and, when it encrypts with
// a customer managed KMS key, kms:GenerateDataKey on that key (one PUT,
// never multipart: no kms:Decrypt). The AWS managed key (aws:kms without
// a key) needs no statement: its key policy allows S3 on the account's
// behalf. account is the KMS key's account when the key is named by ID.
type S3Archive struct {
	Region, Account string
	Bucket, Prefix  string
	SSE, KMSKeyID   string
}

var kmsKeyID = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)

// IsKMSKeyID reports whether s is a KMS key's ID: a UUID, or mrk- and 32
// hex digits for a multi-Region key.
func IsKMSKeyID(s string) bool { return kmsKeyID.MatchString(s) }

// S3Keys is the ARN of the keys an archive writes under prefix,
// arn:PARTITION:s3:::BUCKET/PREFIX/* (BUCKET/* without a prefix): what
// its s3:PutObject is granted on.
func S3Keys(partition, bucket, prefix string) string {
	if p := strings.Trim(prefix, "/"); p != "" {
		return "arn:" + partition + ":s3:::" + bucket + "/" + p + "/*"
	}
	return "arn:" + partition + ":s3:::" + bucket + "/*"
}

// Grants are the archive's grants.
func (a S3Archive) Grants() ([]Grant, error) {
	partition := scope.Partition(a.Region)
	if partition == "" {
		return nil, fmt.Errorf("region %q is not an AWS region", a.Region)
	}
	grants := []Grant{{Operation: "s3 PutObject", Action: "s3:PutObject", Resource: S3Keys(partition, a.Bucket, a.Prefix)}}
	if !strings.HasPrefix(a.SSE, "aws:kms") || a.KMSKeyID == "" {
		return grants, nil
	}
	key := a.KMSKeyID
	switch {
	case strings.HasPrefix(key, "arn:") && strings.Contains(key, ":key/"):
	case IsKMSKeyID(key) && a.Account != "" && a.Account != "*":
		key = "arn:" + partition + ":kms:" + a.Region + ":" + a.Account + ":key/" + key
	default:
		return grants, fmt.Errorf("ssekms_key_id %q: kms:GenerateDataKey is granted on a key's ARN; an alias, or a key ID without --account, does not name one: give the key's ARN", key)
	}
	return append(grants, Grant{Operation: "kms GenerateDataKey", Action: "kms:GenerateDataKey", Resource: key}), nil
}
