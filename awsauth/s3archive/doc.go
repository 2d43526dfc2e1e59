// Package s3archive keeps telemetry batches in a spool on disk and uploads
// each as one Amazon S3 object, signed by the transport it is given.
//
// Nothing accepted is lost: a record is on disk before Append returns; a
// batch becomes an object file (encoded, compressed, hashed, its key
// chosen) before its records are removed; an object file is removed only
// after S3 answered 200. A process killed at any point finds on its next
// start what it had not uploaded, and uploads each batch under the key it
// was given once, never two. Past the spool's limit Append refuses, and
// the caller counts and reports what it could not keep.
//
// The package does not know the telemetry it holds: a Format says how
// records join into an object (otlp_proto records concatenate, JSON ones
// join inside an array), so sealing streams records from disk and holds
// at most one record in memory.
package s3archive
