package classify

import "regexp"

// Counters and metric labels take their values from fixed sets, so that
// nothing a client or an upstream sends can grow them: a service outside
// knownServices counts as "other", and so does an error code that is not a
// known AWS error code.

// OtherLabel stands for every value outside a label's fixed set.
const OtherLabel = "other"

// knownServices are the SigV4 signing names that count by name.
var knownServices = setOf(
	// Telemetry receivers.
	"aps", "logs", "xray", "monitoring", "es", "aoss", "osis", "execute-api", "firehose", "kinesis", "timestream",
	// Common others.
	"sts", "iam", "s3", "lambda", "kms", "secretsmanager", "ssm", "sso", "signin", "sqs", "sns", "dynamodb",
	"ec2", "ecs", "eks", "events", "states", "apigateway", "cloudfront", "route53", "rds", "elasticloadbalancing",
	"autoscaling", "cloudformation", "grafana", "vpc-lattice-svcs",
)

// knownCodes are the AWS error codes that count by name besides those
// ClassifyCode knows: the general errors every service may answer.
var knownCodes = setOf(
	"ValidationException", "ValidationError", "InvalidParameterValue", "InvalidParameterException",
	"InvalidRequestException", "BadRequestException", "SerializationException", "MissingParameter",
	"ResourceNotFoundException", "NotFoundException", "ConflictException", "LimitExceededException",
	"ServiceQuotaExceededException", "RequestEntityTooLargeException", "PayloadTooLargeException",
	"UnsupportedMediaTypeException", "InternalFailure", "InternalError", "InternalServerError",
	"InternalServerException", "InternalFailureException", "ServiceUnavailable", "ServiceUnavailableException",
	"ServiceFailure", "OptInRequired", "NotAuthorized", "UnknownOperationException", "InvalidAction",
	"MalformedQueryString", "IncompleteSignatureException",
)

var codeShape = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{0,63}$`)

// ServiceLabel is service, or "other" for a service outside the fixed set.
func ServiceLabel(service string) string {
	if knownServices[service] {
		return service
	}
	return OtherLabel
}

// CodeLabel is an AWS error code as a label: the code when it is a known
// one, "" for none, else "other".
func CodeLabel(code string) string {
	switch {
	case code == "":
		return ""
	case !codeShape.MatchString(code):
		return OtherLabel
	case knownCodes[code] || Code(code) != Other:
		return code
	}
	return OtherLabel
}

// CodeShaped reports whether code has the shape of an AWS error code,
// known or not.
func CodeShaped(code string) bool { return codeShape.MatchString(code) }

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
