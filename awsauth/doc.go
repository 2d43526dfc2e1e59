// Package awsauth puts one configuration to work: an Auth composes the
// credential chain (package chain), its cache (cache), the signing
// transport and its retry (signing) and the request counters (stats), and
// judges its health in the words of AWS's error codes. It knows nothing of
// Grafana Agent or River: the aws.auth component converts its arguments
// into a Config and talks to an Auth alone.
//
// Each package imports, of this module's, only those after its arrow;
// a package without an arrow imports none (TestPackagesImportDownward
// reads this list, and docs/architecture.md points here). Packages come
// before those they import; those under internal/ serve awsauth's alone:
//
//	awsauth          Auth, Config, Options, Status, Health
//	  → cache chain classify iam internal/field redact rolesanywhere signing stats
//	gateway          the signing gateway (admission, proxy) and its services
//	  → gateway/bounds gateway/bulk operations redact scope signing
//	gateway/bounds   slots, memory budgets, body deadlines, the upstream pool
//	gateway/bulk     an OpenSearch _bulk body's action lines, read as it streams
//	s3archive        a spool on disk and its S3 uploads (otelcol.exporter.awss3's
//	                 engine), signed by a given transport
//	  → classify iam redact scope sigv4
//	iam              the IAM policies a configuration needs (the S3 archive's
//	                 too); trust policies
//	  → internal/field operations scope
//	operations       the table of telemetry writes the gateway signs, with the
//	                 IAM action and resource of each
//	  → scope
//	signing          Transport, Retry, Clock
//	  → classify scope sigv4 stats
//	stats            what was signed and answered, bounded labels
//	  → classify scope
//	cache            current credentials, refresh ahead, backoff
//	  → classify
//	chain            the sources in the SDKs' order, why each was passed over
//	  → classify internal/field internal/source rolesanywhere scope
//	internal/source  one source's inputs and SDK provider each; STS, AssumeRole
//	  → internal/field redact
//	rolesanywhere    an X.509 certificate exchanged through IAM Roles Anywhere
//	  → classify internal/field scope sigv4
//	sigv4            the SigV4 signer (HMAC and X.509)
//	internal/field   errors that name the argument; the shapes of role ARNs and
//	                 session names
//	classify         error classes and labels
//	scope            the service and region a host is signed for, read once
//	redact           secrets and their shapes out of any text
//	sigv4verify      SigV4 checked as AWS checks it, from AWS's documentation
//	                 (sign --verify and the test kit's fakes), apart from all
package awsauth
