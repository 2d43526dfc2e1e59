package s3archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/classify"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/redact"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// Bucket is where objects go and what each PUT asks of S3.
type Bucket struct {
	Name   string
	Region string
	// Endpoint is an S3-compatible store's base URL (scheme://host[:port]).
	// If empty, the bucket is Amazon S3's in Region.
	Endpoint string
	// PathStyle puts the bucket in the path (https://HOST/BUCKET/KEY)
	// instead of the host (https://BUCKET.HOST/KEY). A bucket whose name
	// holds a dot is always addressed so on Amazon S3: its name would not
	// match the wildcard certificate.
	PathStyle bool

	StorageClass         string // X-Amz-Storage-Class; empty: S3's STANDARD
	ServerSideEncryption string // AES256 or aws:kms; empty: the bucket's default
	KMSKeyID             string // with aws:kms; empty: the AWS managed key
	// ExpectedOwner is the account the bucket must belong to: S3 answers
	// AccessDenied to a PUT into anyone else's bucket of that name.
	ExpectedOwner string

	// prefix is the archive's Layout.Prefix: AccessDenied's explanation
	// names the statement that allows PutObject under it.
	prefix string
}

// host is Amazon S3's regional endpoint for the bucket's region.
func (b Bucket) host() string {
	if strings.HasPrefix(b.Region, "cn-") {
		return "s3." + b.Region + ".amazonaws.com.cn"
	}
	return "s3." + b.Region + ".amazonaws.com"
}

// URL is where key is PUT.
func (b Bucket) URL(key string) (*url.URL, error) {
	u := &url.URL{Scheme: "https", Host: b.host()}
	if b.Endpoint != "" {
		e, err := url.Parse(b.Endpoint)
		if err != nil || e.Host == "" || (e.Scheme != "http" && e.Scheme != "https") {
			return nil, fmt.Errorf("endpoint %q is not an http(s)://host[:port] URL", b.Endpoint)
		}
		u.Scheme, u.Host = e.Scheme, e.Host
	}
	path := "/" + key
	if b.PathStyle || (b.Endpoint == "" && strings.Contains(b.Name, ".")) {
		path = "/" + b.Name + "/" + key
	} else {
		u.Host = b.Name + "." + u.Host
	}
	u.Path, u.RawPath = path, sigv4.EscapePath(path) // sent as its canonical URI
	return u, nil
}

// UploadError is why S3 did not take an object: its error code (AWS's
// word for it), the HTTP status, and what that means for this bucket.
// S3's own message is not kept: the code says what it says, and the text
// of a host someone else may run is not repeated.
type UploadError struct {
	Status int    // 0 when no answer came
	Code   string // S3's error code, or RequestError without an answer
	// Explain is ours: what the code means here and what to do.
	Explain string
	// Retryable is true of throttling, server errors and lost answers:
	// S3 may take the same PUT later. Either way the object is kept.
	Retryable bool
}

func (e *UploadError) Error() string {
	if e.Status == 0 {
		return e.Code + ": " + e.Explain
	}
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Explain)
}

// ErrorCode lets classify and errors.As read the code.
func (e *UploadError) ErrorCode() string { return e.Code }

// Put uploads o to the bucket through rt, which signs it. The body is
// read from the spool (twice when the signer retries) and declared by
// its SHA-256, so that the signer streams it; X-Amz-Checksum-Crc32 lets
// S3 refuse a body that changed on the way.
func (b Bucket) Put(ctx context.Context, rt http.RoundTripper, o *Object) error {
	u, err := b.URL(o.Key)
	if err != nil {
		return err
	}
	body, err := o.Body()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		body.Close()
		return err
	}
	req.URL = u
	req.ContentLength = o.Size
	req.GetBody = o.Body
	h := req.Header
	h.Set("Content-Type", o.ContentType)
	if o.ContentEncoding != "" {
		h.Set("Content-Encoding", o.ContentEncoding)
	}
	h.Set("X-Amz-Content-Sha256", o.SHA256)
	h.Set("X-Amz-Checksum-Crc32", o.CRC32)
	set := func(name, v string) {
		if v != "" {
			h.Set(name, v)
		}
	}
	set("X-Amz-Storage-Class", b.StorageClass)
	set("X-Amz-Server-Side-Encryption", b.ServerSideEncryption)
	set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", b.KMSKeyID)
	set("X-Amz-Expected-Bucket-Owner", b.ExpectedOwner)

	resp, err := rt.RoundTrip(req)
	if err != nil {
		return &UploadError{Code: "RequestError", Explain: "no answer from " + u.Host + ": " + summarize(err), Retryable: ctx.Err() == nil}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return b.explain(resp.StatusCode, resp.Header, answer, o.Key)
}

// summarize is a transport error without the wrapping that repeats the
// URL (the host is named once by the caller) and without anything shaped
// like a secret (a proxy's answer, a credential source's failure).
func summarize(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := redact.Text(err.Error())
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

var codeShape = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{0,63}$`)

// explain turns S3's answer into an UploadError.
func (b Bucket) explain(status int, header http.Header, answer []byte, key string) *UploadError {
	e := &UploadError{Status: status, Retryable: status >= 500 || status == http.StatusTooManyRequests}
	if api, ok := classify.ParseAPIError(status, header, answer); ok && codeShape.MatchString(api.Code) {
		e.Code = api.Code
	} else {
		e.Code = http.StatusText(status)
		if e.Code == "" {
			e.Code = fmt.Sprintf("HTTP%d", status)
		}
		e.Code = strings.ReplaceAll(e.Code, " ", "")
	}
	partition := orAWS(scope.Partition(b.Region))
	resource := "arn:" + partition + ":s3:::" + b.Name + "/" + key
	switch e.Code {
	case "SlowDown", "ServiceUnavailable", "Throttling", "ThrottlingException", "RequestLimitExceeded":
		e.Retryable = true
		e.Explain = "S3 asks to slow down; the spool keeps the object and the exporter retries with backoff"
	case "InternalError":
		e.Retryable = true
		e.Explain = "S3 failed to store the object; the spool keeps it and the exporter retries"
	case "RequestTimeout", "BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest", "IncompleteBody":
		e.Retryable = true
		e.Explain = "the body did not arrive whole or as hashed; the spool keeps the object and the exporter sends it again"
	case "AccessDenied":
		statement, _ := json.Marshal(iam.Grant{Action: "s3:PutObject", Resource: iam.S3Keys(partition, b.Name, b.prefix)}.Statement())
		e.Explain = "S3 refused s3:PutObject on " + resource + ": the role's policy needs the statement " + string(statement) + " (aws-agent policy prints it)"
		if b.ExpectedOwner != "" {
			e.Explain += ", and the bucket must belong to expected_bucket_owner " + b.ExpectedOwner
		}
		if strings.HasPrefix(b.ServerSideEncryption, "aws:kms") && b.KMSKeyID != "" {
			e.Explain += ", and kms:GenerateDataKey on " + b.KMSKeyID
		}
		e.Explain += "; the spool keeps the object — next: docs/troubleshooting.md#s3-archive"
	case "NoSuchBucket":
		e.Explain = "bucket " + b.Name + " does not exist (in " + b.where() + "): create it or fix s3_bucket; the spool keeps the object — next: docs/troubleshooting.md#s3-archive"
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		e.Explain = "bucket " + b.Name + " is not in region " + b.Region + ": set region to the bucket's; the spool keeps the object"
	case "ExpiredToken", "InvalidAccessKeyId", "InvalidToken", "TokenRefreshRequired":
		e.Explain = "S3 does not take the credentials aws.auth signed with (its health says why); the spool keeps the object"
	case "SignatureDoesNotMatch", "RequestTimeTooSkewed":
		e.Explain = "S3 refused the signature (aws.auth's health says why); the spool keeps the object"
	case "KMS.NotFoundException", "KMS.DisabledException", "KMS.KMSInvalidStateException", "KMS.AccessDeniedException", "KMSAccessDenied":
		e.Explain = "S3 could not encrypt with ssekms_key_id " + b.KMSKeyID + ": the key must exist, be enabled, and allow kms:GenerateDataKey; the spool keeps the object"
	case "InvalidStorageClass", "InvalidArgument", "InvalidEncryptionAlgorithmError":
		e.Explain = "S3 refused the request's arguments (storage_class, server_side_encryption or ssekms_key_id); the spool keeps the object"
	default:
		e.Explain = "S3 did not store the object; the spool keeps it and the exporter retries"
	}
	return e
}

func (b Bucket) where() string {
	if b.Endpoint != "" {
		return b.Endpoint
	}
	return b.Region
}

func orAWS(partition string) string {
	if partition == "" {
		return "aws"
	}
	return partition
}
