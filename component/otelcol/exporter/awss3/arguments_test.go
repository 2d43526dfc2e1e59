package awss3

import (
	"context"
	"net/http"
	"strings"
	"testing"

	otelauth "github.com/grafana/agent/component/otelcol/auth"
	otelcomponent "go.opentelemetry.io/collector/component"
)

// fakeSigner stands where aws.auth's extension does.
type fakeSigner struct{}

func (fakeSigner) Start(context.Context, otelcomponent.Host) error { return nil }
func (fakeSigner) Shutdown(context.Context) error                  { return nil }
func (fakeSigner) SigningTransport(string) http.RoundTripper       { return http.DefaultTransport }
func (fakeSigner) Region() string                                  { return "us-east-1" }

func valid() Arguments {
	a := DefaultArguments
	a.Auth = otelauth.Handler{Extension: fakeSigner{}}
	a.S3Uploader.S3Bucket = "my-archive"
	return a
}

func TestValidateNamesTheFieldAndTheFix(t *testing.T) {
	if err := (&[]Arguments{valid()}[0]).Validate(); err != nil {
		t.Fatalf("defaults with a bucket: %v", err)
	}
	cases := map[string]struct {
		change func(*Arguments)
		want   string
	}{
		"no bucket":       {func(a *Arguments) { a.S3Uploader.S3Bucket = "" }, "s3_uploader: s3_bucket: must name the bucket"},
		"bad bucket":      {func(a *Arguments) { a.S3Uploader.S3Bucket = "My_Bucket" }, "s3_uploader: s3_bucket: \"My_Bucket\" is not an S3 bucket name"},
		"region":          {func(a *Arguments) { a.S3Uploader.Region = "useast1" }, "s3_uploader: region: \"useast1\" is not an AWS region"},
		"prefix":          {func(a *Arguments) { a.S3Uploader.S3Prefix = "logs/../x" }, "s3_uploader: s3_prefix: has an empty, . or .. segment"},
		"partition":       {func(a *Arguments) { a.S3Uploader.S3PartitionFormat = "%Y/%q" }, "s3_uploader: s3_partition_format: %q is not a directive"},
		"file prefix":     {func(a *Arguments) { a.S3Uploader.FilePrefix = "a/b" }, "s3_uploader: file_prefix: must be a file name's beginning"},
		"endpoint path":   {func(a *Arguments) { a.S3Uploader.Endpoint = "https://minio:9000/x" }, "s3_uploader: endpoint: must be an http(s)://host[:port] URL"},
		"endpoint user":   {func(a *Arguments) { a.S3Uploader.Endpoint = "https://user:pw@minio:9000" }, "s3_uploader: endpoint: must be an http(s)://host[:port] URL"},
		"endpoint query":  {func(a *Arguments) { a.S3Uploader.Endpoint = "https://minio:9000?x=1" }, "s3_uploader: endpoint: must be an http(s)://host[:port] URL"},
		"endpoint scheme": {func(a *Arguments) { a.S3Uploader.Endpoint = "ftp://minio:9000" }, "s3_uploader: endpoint: must be an http(s)://host[:port] URL"},
		"punycode bucket": {func(a *Arguments) { a.S3Uploader.S3Bucket = "xn--archive" }, "s3_uploader: s3_bucket: \"xn--archive\" is not an S3 bucket name"},
		"dotted bucket":   {func(a *Arguments) { a.S3Uploader.S3Bucket = "my..archive" }, "s3_uploader: s3_bucket: \"my..archive\" is not an S3 bucket name"},
		"compression":     {func(a *Arguments) { a.S3Uploader.Compression = "lz4" }, "s3_uploader: compression: \"lz4\" is not one of none, gzip, zstd"},
		"storage class":   {func(a *Arguments) { a.S3Uploader.StorageClass = "COLD" }, "s3_uploader: storage_class: \"COLD\" is not one of STANDARD"},
		"sse":             {func(a *Arguments) { a.S3Uploader.ServerSideEncrypt = "kms" }, "s3_uploader: server_side_encryption: \"kms\" is not AES256, aws:kms or aws:kms:dsse"},
		"kms without sse": {func(a *Arguments) { a.S3Uploader.SSEKMSKeyID = "alias/archive" }, "s3_uploader: ssekms_key_id: needs server_side_encryption = \"aws:kms\""},
		"owner":           {func(a *Arguments) { a.S3Uploader.ExpectedBucketOwner = "1234" }, "s3_uploader: expected_bucket_owner: must be the 12-digit account ID"},
		"marshaler":       {func(a *Arguments) { a.Marshaler.Type = "parquet" }, "marshaler: type: \"parquet\" is not otlp_json, otlp_proto or body"},
		"batch size":      {func(a *Arguments) { a.Batch.MaxSize, a.Spool.MaxSize = 6<<30, 7<<30 }, "batch: max_size: must be at most 5GiB"},
		"batch age":       {func(a *Arguments) { a.Batch.MaxAge = 0 }, "batch: max_age: must be positive"},
		"spool":           {func(a *Arguments) { a.Spool.MaxSize = 1 << 20 }, "spool: max_size: must hold at least one batch"},
		"auth":            {func(a *Arguments) { a.Auth = otelauth.Handler{} }, "auth: must be an aws.auth component's handler"},
	}
	for name, c := range cases {
		a := valid()
		c.change(&a)
		err := a.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), "\n") != 0 {
			t.Errorf("%s: %v, want one line with %q", name, err, c.want)
		}
	}
}
