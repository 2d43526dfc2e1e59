// Package awsauth puts one configuration to work: an Auth composes the
// credential chain (package chain), its cache (cache), the signing
// transport and its retry (signing) and the request counters (stats), and
// judges its health in the words of AWS's error codes. It knows nothing of
// Grafana Agent or River: the aws.auth component converts its arguments
// into a Config and talks to an Auth alone.
//
// Each package imports only those drawn below it (TestPackagesImportDownward
// holds this):
//
//	awsauth                Auth, Config, Options, Status, Health
//	├── signing            Transport, Retry, Clock
//	│   └── stats          what was signed and answered, bounded labels
//	├── cache              current credentials, refresh ahead, backoff
//	└── chain              the sources in the SDKs' order, why each was passed over
//	    ├── source         one source's inputs and SDK provider each; STS, AssumeRole
//	    └── rolesanywhere  an X.509 certificate exchanged through IAM Roles Anywhere
//	    sigv4              beneath signing, rolesanywhere and s3archive: the SigV4 signer (HMAC and X.509)
//	    field              beneath chain, source, rolesanywhere and iam: errors that name
//	                       the argument; the shapes of role ARNs and session names
//	    classify, scope    beneath all: error classes and labels; the service and
//	                       region a host is signed for
//	    redact             beneath awsauth, source and s3archive: secrets and their shapes out of any text
//	gateway                beside awsauth, over signing, operations, scope and redact:
//	                       the signing gateway (admission, target, proxy) and its services
//	├── bounds             slots, memory budgets, body deadlines, the upstream pool
//	└── bulk               an OpenSearch _bulk body's action lines, read as it streams
//	iam                    over field, operations and scope: the IAM policies a configuration
//	                       needs (the S3 archive's too); trust policies
//	operations             over scope: the table of telemetry writes the gateway signs,
//	                       with the IAM action and resource of each
//	s3archive              over classify, iam, scope, redact and sigv4: a spool on disk and its S3
//	                       uploads (otelcol.exporter.awss3's engine), signed by a given transport
//	sigv4verify            apart from all: SigV4 checked as AWS checks it, from AWS's
//	                       documentation (sign --verify and the test kit's fakes)
package awsauth
