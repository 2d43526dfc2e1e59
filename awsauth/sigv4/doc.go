// Package sigv4 signs HTTP requests with AWS Signature Version 4: the
// canonical request, the string to sign, the derived key (cached) and the
// Authorization header. It knows no credential source and no transport.
//
// It differs from aws-sdk-go-v2's aws/signer/v4 in one point on purpose:
// paths are normalized (empty, "." and ".." segments removed) before they
// are encoded, as AWS services other than S3 do when they verify. Where
// both are defined to agree — no dot segments — the signatures are the
// same bytes, Content-Length included.
package sigv4
