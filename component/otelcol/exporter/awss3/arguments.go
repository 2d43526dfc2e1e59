package awss3

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/units"
	otelauth "github.com/grafana/agent/component/otelcol/auth"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
)

// Arguments are otelcol.exporter.awss3's: Alloy's shape (s3_uploader,
// marshaler) where Alloy has the name, and auth, batch and spool, which
// are this exporter's own.
type Arguments struct {
	// Auth is an aws.auth component's handler: every PUT is signed with
	// its credentials.
	Auth       otelauth.Handler `river:"auth,attr"`
	S3Uploader S3Uploader       `river:"s3_uploader,block"`
	Marshaler  Marshaler        `river:"marshaler,block,optional"`
	Batch      Batch            `river:"batch,block,optional"`
	Spool      Spool            `river:"spool,block,optional"`
}

// S3Uploader says where objects go and how each is written.
type S3Uploader struct {
	Region              string `river:"region,attr,optional"`
	S3Bucket            string `river:"s3_bucket,attr"`
	S3Prefix            string `river:"s3_prefix,attr,optional"`
	S3PartitionFormat   string `river:"s3_partition_format,attr,optional"`
	FilePrefix          string `river:"file_prefix,attr,optional"`
	Endpoint            string `river:"endpoint,attr,optional"`
	S3ForcePathStyle    bool   `river:"s3_force_path_style,attr,optional"`
	Compression         string `river:"compression,attr,optional"`
	StorageClass        string `river:"storage_class,attr,optional"`
	ServerSideEncrypt   string `river:"server_side_encryption,attr,optional"`
	SSEKMSKeyID         string `river:"ssekms_key_id,attr,optional"`
	ExpectedBucketOwner string `river:"expected_bucket_owner,attr,optional"`
}

// Marshaler is how telemetry becomes an object's bytes.
type Marshaler struct {
	Type string `river:"type,attr,optional"`
}

// Batch says when a batch becomes an object: when its records reach
// MaxSize (before compression) or MaxAge after its first record.
type Batch struct {
	MaxSize units.Base2Bytes `river:"max_size,attr,optional"`
	MaxAge  time.Duration    `river:"max_age,attr,optional"`
}

// Spool bounds what waits on disk for S3.
type Spool struct {
	MaxSize units.Base2Bytes `river:"max_size,attr,optional"`
}

// Marshaler types.
const (
	OTLPJSON  = "otlp_json"
	OTLPProto = "otlp_proto"
	Body      = "body"
)

// DefaultArguments are what an unset argument means.
var DefaultArguments = Arguments{
	S3Uploader: S3Uploader{
		S3PartitionFormat: s3archive.DefaultPartition,
		Compression:       s3archive.None,
		StorageClass:      "STANDARD",
	},
	Marshaler: Marshaler{Type: OTLPJSON},
	Batch:     Batch{MaxSize: s3archive.DefaultBatchBytes, MaxAge: s3archive.DefaultBatchAge},
	Spool:     Spool{MaxSize: s3archive.DefaultSpoolLimit},
}

// SetToDefault implements river.Defaulter.
func (a *Arguments) SetToDefault() { *a = DefaultArguments }

// maxObject is S3's limit on one PUT.
const maxObject = 5 << 30

var (
	storageClasses = []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "EXPRESS_ONEZONE"}
	bucketName     = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// kmsKeyName is a KMS key's ARN or an alias; a key's ID is iam's.
	kmsKeyName = regexp.MustCompile(`^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+)$`)
)

// Validate implements river.Validator: one line per wrong argument, naming
// it and what to write instead. No argument here is a secret.
func (a *Arguments) Validate() error {
	u := a.S3Uploader
	var errs []error
	if _, ok := a.Auth.Extension.(signer); !ok {
		errs = append(errs, errors.New("auth: must be an aws.auth component's handler (auth = aws.auth.LABEL.handler)"))
	}
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("s3_uploader: "+name+": "+format, args...))
	}
	switch {
	case u.S3Bucket == "":
		bad("s3_bucket", "must name the bucket")
	case !bucketName.MatchString(u.S3Bucket) || strings.Contains(u.S3Bucket, "..") || strings.HasPrefix(u.S3Bucket, "xn--"):
		bad("s3_bucket", "%q is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)", u.S3Bucket)
	}
	if u.Region != "" && !scope.IsRegion(u.Region) {
		bad("region", "%q is not an AWS region (like us-east-1)", u.Region)
	}
	if err := s3archive.CheckKeyPart(u.S3Prefix); err != nil {
		bad("s3_prefix", "%v", err)
	}
	if err := s3archive.CheckPartition(u.S3PartitionFormat); err != nil {
		bad("s3_partition_format", "%v", err)
	}
	if err := s3archive.CheckKeyPart(u.FilePrefix); err != nil || strings.Contains(u.FilePrefix, "/") {
		bad("file_prefix", "must be a file name's beginning: letters, digits and ! - _ . * ' ( ) =")
	}
	if u.Endpoint != "" {
		e, err := url.Parse(u.Endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil || strings.Trim(e.Path, "/") != "" || e.RawQuery != "" {
			bad("endpoint", "must be an http(s)://host[:port] URL with no path, user or query")
		}
	}
	if err := s3archive.CheckCompression(u.Compression); err != nil {
		bad("compression", "%v", err)
	}
	if !slices.Contains(storageClasses, u.StorageClass) {
		bad("storage_class", "%q is not one of %s", u.StorageClass, strings.Join(storageClasses, ", "))
	}
	switch u.ServerSideEncrypt {
	case "", "AES256", "aws:kms", "aws:kms:dsse":
	default:
		bad("server_side_encryption", "%q is not AES256, aws:kms or aws:kms:dsse", u.ServerSideEncrypt)
	}
	if u.SSEKMSKeyID != "" {
		if !strings.HasPrefix(u.ServerSideEncrypt, "aws:kms") {
			bad("ssekms_key_id", "needs server_side_encryption = \"aws:kms\"")
		} else if !kmsKeyName.MatchString(u.SSEKMSKeyID) && !iam.IsKMSKeyID(u.SSEKMSKeyID) {
			bad("ssekms_key_id", "must be a KMS key ARN, key ID or alias")
		}
	}
	if u.ExpectedBucketOwner != "" && !iam.IsAccountID(u.ExpectedBucketOwner) {
		bad("expected_bucket_owner", "must be the 12-digit account ID of the bucket's owner")
	}
	switch a.Marshaler.Type {
	case OTLPJSON, OTLPProto, Body:
	default:
		errs = append(errs, fmt.Errorf("marshaler: type: %q is not otlp_json, otlp_proto or body", a.Marshaler.Type))
	}
	switch {
	case a.Batch.MaxSize <= 0:
		errs = append(errs, errors.New("batch: max_size: must be positive"))
	case a.Batch.MaxSize > maxObject:
		errs = append(errs, errors.New("batch: max_size: must be at most 5GiB, S3's limit for one PUT"))
	}
	if a.Batch.MaxAge <= 0 {
		errs = append(errs, errors.New("batch: max_age: must be positive"))
	}
	if a.Spool.MaxSize < a.Batch.MaxSize {
		errs = append(errs, fmt.Errorf("spool: max_size: must hold at least one batch (batch max_size %s)", a.Batch.MaxSize))
	}
	return errors.Join(errs...)
}
