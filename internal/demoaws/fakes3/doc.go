// Package fakes3 stands in for Amazon S3's PutObject on loopback, in S3's
// wire format: buckets addressed in the host (virtual-hosted) or the path,
// XML <Error> answers with S3's codes, every request's signature checked
// by sigv4verify's verifier (S3's canonical URI rules, the body against
// X-Amz-Content-Sha256), X-Amz-Checksum-Crc32 and Content-MD5 against the
// body (BadDigest), X-Amz-Expected-Bucket-Owner against the bucket's
// account (AccessDenied), ACLs refused as buckets with ACLs disabled
// refuse them, and faults on demand (SlowDown, InternalError,
// ExpiredToken, AccessDenied, NoSuchBucket).
//
// It is written from S3's API reference, not from the exporter it tests.
package fakes3
