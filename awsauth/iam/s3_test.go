package iam

import (
	"strings"
	"testing"
)

// The archive is granted s3:PutObject on its keys, and kms:GenerateDataKey
// only with SSE-KMS and a customer managed key named by ARN, or by ID with
// the account it is in; an alias, or an ID without the account, is an
// error naming ssekms_key_id rather than a grant on the wrong resource.
func TestS3ArchiveGrants(t *testing.T) {
	const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, c := range []struct {
		name    string
		archive S3Archive
		want    []string // Action on Resource
		err     string
	}{
		{"plain", S3Archive{Region: "us-east-1", Bucket: "b", Prefix: "/logs/"}, []string{"s3:PutObject on arn:aws:s3:::b/logs/*"}, ""},
		{"no prefix, China", S3Archive{Region: "cn-north-1", Bucket: "b"}, []string{"s3:PutObject on arn:aws-cn:s3:::b/*"}, ""},
		{"AES256 ignores a key", S3Archive{Region: "us-east-1", Bucket: "b", SSE: "AES256", KMSKeyID: arn}, []string{"s3:PutObject on arn:aws:s3:::b/*"}, ""},
		{"AWS managed key", S3Archive{Region: "us-east-1", Bucket: "b", SSE: "aws:kms"}, []string{"s3:PutObject on arn:aws:s3:::b/*"}, ""},
		{"key ARN", S3Archive{Region: "us-east-1", Bucket: "b", SSE: "aws:kms", KMSKeyID: arn},
			[]string{"s3:PutObject on arn:aws:s3:::b/*", "kms:GenerateDataKey on " + arn}, ""},
		{"key ID with the account", S3Archive{Region: "us-east-1", Account: "111122223333", Bucket: "b", SSE: "aws:kms:dsse", KMSKeyID: id},
			[]string{"s3:PutObject on arn:aws:s3:::b/*", "kms:GenerateDataKey on " + arn}, ""},
		{"key ID, account unknown", S3Archive{Region: "us-east-1", Account: "*", Bucket: "b", SSE: "aws:kms", KMSKeyID: id}, nil, "ssekms_key_id"},
		{"alias", S3Archive{Region: "us-east-1", Account: "111122223333", Bucket: "b", SSE: "aws:kms", KMSKeyID: "alias/archive"}, nil, "ssekms_key_id"},
		{"no region", S3Archive{Bucket: "b"}, nil, "region"},
	} {
		grants, err := c.archive.Grants()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want an error naming %s", c.name, err, c.err)
			}
			continue
		}
		var got []string
		for _, g := range grants {
			got = append(got, g.Action+" on "+g.Resource)
		}
		if err != nil || strings.Join(got, "; ") != strings.Join(c.want, "; ") {
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.want)
		}
	}
}
