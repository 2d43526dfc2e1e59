package scope

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

// awsSuffixes are the DNS suffixes of AWS endpoints, longest first.
var awsSuffixes = []string{".amazonaws.com.cn", ".amazonaws.com", ".api.aws", ".on.aws"}

// signingNames maps endpoint prefixes to the service names that go into the
// credential scope where the two differ.
var signingNames = map[string]string{
	"aps-workspaces": "aps",
	"lambda-url":     "lambda",
}

// hostServices are the services whose endpoints put the service label after
// the region: DOMAIN.REGION.es.amazonaws.com.
var hostServices = map[string]bool{"es": true, "aoss": true, "osis": true}

// globalServices sign for us-east-1 when their endpoint names no region.
var globalServices = map[string]bool{"sts": true, "iam": true, "s3": true, "cloudfront": true, "route53": true}

// Host is an endpoint's name read once: the checks a request meets all
// read this value instead of parsing the name again. The zero Host is no
// AWS endpoint.
type Host struct {
	// Name is the host in lower case, without port or final dot.
	Name string
	// AWS tells that Name is in one of AWS's domains.
	AWS bool
	// Service and Region are the signing service and region the name
	// implies; Inferred is false when it implies none (Infer's ok). For a
	// name without empty labels, Inferred means both are set.
	Service, Region string
	Inferred        bool
	// Label and DataPlane are Endpoint's answers.
	Label     string
	DataPlane bool
	// suffix is the AWS domain Name ends in.
	suffix string
}

// Parse reads hostport (a port, brackets and a final dot are dropped).
func Parse(hostport string) Host {
	h := Host{Name: strings.ToLower(strings.TrimSuffix(StripPort(hostport), "."))}
	labels, suffix := split(h.Name)
	if labels == nil {
		return h
	}
	h.AWS, h.suffix = true, suffix
	h.Service, h.Region, h.Inferred = infer(labels, suffix)
	h.Label, h.DataPlane = endpoint(labels, suffix)
	return h
}

// IsAWSHost reports whether host is in an AWS domain.
func IsAWSHost(host string) bool { return Parse(host).AWS }

// Infer returns the signing service and region for an endpoint host,
// covering the regional, FIPS, dualstack (api.aws and s3.dualstack), China,
// VPC endpoint and function URL forms. region is empty when the host names
// none. ok is false when the host is not an AWS endpoint.
func Infer(host string) (service, region string, ok bool) {
	h := Parse(host)
	return h.Service, h.Region, h.Inferred
}

func infer(labels []string, suffix string) (service, region string, ok bool) {
	n := len(labels)
	last := labels[n-1]

	switch {
	case last == "vpce" && n >= 3: // ID.SERVICE.REGION.vpce.amazonaws.com
		return signingName(labels[n-3]), labels[n-2], IsRegion(labels[n-2])
	case hostServices[last] && n >= 2: // DOMAIN.REGION.es.amazonaws.com
		return last, labels[n-2], IsRegion(labels[n-2])
	case IsRegion(last) && n >= 2: // [PREFIX.]SERVICE[-fips][.dualstack].REGION
		svc := labels[n-2]
		if svc == "dualstack" && n >= 3 {
			svc = labels[n-3]
		}
		return signingName(svc), last, true
	// legacy s3-REGION; s3-website-REGION is a bucket's website (its
	// owner's pages), no endpoint of S3's API.
	case strings.HasPrefix(last, "s3-") && !strings.HasPrefix(last, "s3-website") && IsRegion(last[3:]):
		return "s3", last[3:], true
	case globalServices[strings.TrimSuffix(last, "-fips")]:
		region := "us-east-1"
		if suffix == ".amazonaws.com.cn" {
			region = "cn-north-1"
		}
		return signingName(last), region, true
	}
	return "", "", false
}

// split is name's labels before its AWS domain suffix, and the suffix;
// nil labels when name (lower case, no port) is not in an AWS domain.
func split(name string) (labels []string, suffix string) {
	for _, s := range awsSuffixes {
		if strings.HasSuffix(name, s) {
			suffix = s
			break
		}
	}
	if suffix == "" || len(name) == len(suffix) {
		return nil, ""
	}
	return strings.Split(name[:len(name)-len(suffix)], "."), suffix
}

// Endpoint is the service label of an AWS host — aps-workspaces, logs,
// es — and whether the host is a data-plane endpoint of a resource of the
// customer's or a regional service endpoint that takes data: an
// OpenSearch domain (DOMAIN.REGION.es.amazonaws.com) is, OpenSearch's
// control plane (es.REGION.amazonaws.com) is not. Function and lattice
// URLs (*.on.aws) are no service's endpoint.
func Endpoint(host string) (label string, dataPlane bool) {
	h := Parse(host)
	return h.Label, h.DataPlane
}

func endpoint(labels []string, suffix string) (label string, dataPlane bool) {
	n := len(labels)
	if suffix == ".on.aws" || n < 2 {
		return "", false
	}
	last := labels[n-1]
	switch {
	case last == "vpce" && n >= 4: // vpce-ID.SERVICE.REGION.vpce
		// An interface endpoint of aps-workspaces, logs, xray, ... is their
		// data plane. OpenSearch, its Serverless collections and its
		// Ingestion pipelines take data at a resource's own name (reached
		// privately in a VPC too); their interface endpoint is their API's,
		// where CreatePipeline and its siblings live.
		label := strings.TrimSuffix(labels[n-3], "-fips")
		return label, !hostServices[label]
	case hostServices[last]: // RESOURCE.REGION.SERVICE
		return last, n >= 3
	}
	svc := labels[n-2]
	if svc == "dualstack" && n >= 3 {
		svc = labels[n-3]
	}
	svc = strings.TrimSuffix(svc, "-fips")
	switch {
	case hostServices[svc]:
		return svc, false // the control plane: SERVICE.REGION
	case svc == "execute-api":
		return svc, n >= 3 // API-ID.execute-api.REGION
	}
	return svc, true
}

func signingName(label string) string {
	label = strings.TrimSuffix(label, "-fips")
	if s, ok := signingNames[label]; ok {
		return s
	}
	return label
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+-\d{1,2}$`)

// IsRegion reports whether s is shaped like an AWS region name (us-east-1).
func IsRegion(s string) bool { return regionPattern.MatchString(s) }

// StripPort is host without its port (and an IPv6 literal without brackets).
func StripPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.Trim(host, "[]")
}

// For picks the service and region a request to host is signed for:
// the configured service wins, the host's region wins over the default
// region (an endpoint only accepts its own region).
func For(host, service, defaultRegion string) (string, string, error) {
	return Parse(host).Scope(service, defaultRegion)
}

// Scope is For of a parsed host.
func (h Host) Scope(service, defaultRegion string) (string, string, error) {
	if service == "" {
		if !h.Inferred || h.Service == "" {
			return "", "", fmt.Errorf("cannot infer the AWS service to sign for from host %q: set service", h.Name)
		}
		service = h.Service
	}
	region := defaultRegion
	if h.Inferred && h.Region != "" {
		region = h.Region
	}
	if region == "" {
		return "", "", fmt.Errorf("cannot infer the AWS region to sign for from host %q: set region", h.Name)
	}
	return service, region, nil
}

// awsAnswered are the services whose endpoints AWS itself answers, with
// nothing of a customer's in between: the telemetry services aws.auth
// writes to and the APIs it calls. A list of those known, not of those
// known not to be: a customer writes the answers of API Gateway, Lambda,
// OpenSearch domains, collections and pipelines, AppSync, S3 Object
// Lambda, MWAA, Managed Grafana workspaces, and of every PrivateLink
// endpoint service a third party runs (vpce-….vpce-svc-…), and new ones
// will come.
var awsAnswered = map[string]bool{
	"sts": true, "aps": true, "logs": true, "xray": true, "monitoring": true,
	"firehose": true, "kinesis": true, "s3": true, "sqs": true, "sns": true, "events": true,
}

// AWSOperated reports whether host's answers come from AWS itself, so that
// what they say about the signature — a clock-skew Date, an ExpiredToken —
// may be acted on for every request, and their text shown in health. Only
// the endpoints of the services above are, in their regional, global,
// FIPS, dualstack and interface-endpoint (vpce) forms: anyone able to run
// code behind any other could otherwise set the clock every signature uses,
// drive refreshes, or write the advice health gives.
func AWSOperated(host string) bool { return Parse(host).AWSOperated() }

// AWSOperated is the package's AWSOperated of a parsed host.
func (h Host) AWSOperated() bool {
	return h.suffix != ".on.aws" && h.Inferred && awsAnswered[h.Service]
}

// Partition is the AWS partition a region belongs to: aws, aws-cn,
// aws-us-gov, aws-iso, aws-iso-b, aws-iso-e or aws-iso-f; "" for a
// string that is not a region. Credentials of one partition are unknown
// to the others.
func Partition(region string) string {
	if !IsRegion(region) {
		return ""
	}
	for _, p := range []struct{ prefix, partition string }{
		{"cn-", "aws-cn"}, {"us-gov-", "aws-us-gov"}, {"us-iso-", "aws-iso"}, {"us-isob-", "aws-iso-b"},
		{"eu-isoe-", "aws-iso-e"}, {"us-isof-", "aws-iso-f"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// HostPartition is the partition of an AWS endpoint: by its domain
// (amazonaws.com.cn is aws-cn) or by the region it names (a global
// endpoint's is us-east-1's, or cn-north-1's); "" when host is outside
// AWS's domains or names no region that tells.
func HostPartition(host string) string { return Parse(host).Partition() }

// Partition is HostPartition of a parsed host.
func (h Host) Partition() string {
	switch {
	case !h.AWS:
		return ""
	case h.suffix == ".amazonaws.com.cn":
		return "aws-cn"
	case h.Inferred:
		return Partition(h.Region)
	}
	return ""
}
