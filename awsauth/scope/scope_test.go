package scope

import "testing"

func TestInferScope(t *testing.T) {
	cases := []struct{ host, service, region string }{
		{"aps-workspaces.us-east-1.amazonaws.com", "aps", "us-east-1"},
		{"aps-workspaces.eu-west-2.amazonaws.com:443", "aps", "eu-west-2"},
		{"aps-workspaces-fips.us-gov-west-1.amazonaws.com", "aps", "us-gov-west-1"},
		{"aps-workspaces.us-east-1.api.aws", "aps", "us-east-1"},
		{"xray.us-west-2.amazonaws.com", "xray", "us-west-2"},
		{"logs.ap-southeast-2.amazonaws.com", "logs", "ap-southeast-2"},
		{"logs-fips.us-east-1.amazonaws.com", "logs", "us-east-1"},
		{"monitoring.cn-north-1.amazonaws.com.cn", "monitoring", "cn-north-1"},
		{"search-mydomain-abc123.us-east-1.es.amazonaws.com", "es", "us-east-1"},
		{"vpc-mydomain-abc123.eu-central-1.es.amazonaws.com", "es", "eu-central-1"},
		{"abc123xyz.us-east-1.aoss.amazonaws.com", "aoss", "us-east-1"},
		{"pipeline-abc.us-east-1.osis.amazonaws.com", "osis", "us-east-1"},
		{"a1b2c3.execute-api.us-east-2.amazonaws.com", "execute-api", "us-east-2"},
		{"abcdefg.lambda-url.us-east-1.on.aws", "lambda", "us-east-1"},
		{"bucket.s3.us-west-2.amazonaws.com", "s3", "us-west-2"},
		{"s3.dualstack.us-east-1.amazonaws.com", "s3", "us-east-1"},
		{"bucket.s3-us-west-2.amazonaws.com", "s3", "us-west-2"},
		{"s3.amazonaws.com", "s3", "us-east-1"},
		{"sts.amazonaws.com", "sts", "us-east-1"},
		{"sts.us-west-2.amazonaws.com", "sts", "us-west-2"},
		{"sts-fips.us-east-1.amazonaws.com", "sts", "us-east-1"},
		{"vpce-0a1b2c3d4e5f-abcdefgh.aps-workspaces.us-east-1.vpce.amazonaws.com", "aps", "us-east-1"},
		{"vpce-0a1b2c3d4e5f-abcdefgh-us-east-1a.logs.us-east-1.vpce.amazonaws.com", "logs", "us-east-1"},
		{"sqs.il-central-1.amazonaws.com", "sqs", "il-central-1"},
	}
	for _, c := range cases {
		s, r, ok := Infer(c.host)
		if !ok || s != c.service || r != c.region {
			t.Errorf("Infer(%q) = %q, %q, %v; want %q, %q", c.host, s, r, ok, c.service, c.region)
		}
	}
	for _, host := range []string{"example.com", "127.0.0.1:8080", "amazonaws.com", "evil-amazonaws.com", "grafana.net", "localhost"} {
		if s, r, ok := Infer(host); ok {
			t.Errorf("Infer(%q) = %q, %q; want no inference", host, s, r)
		}
	}
}

func TestScopeForNamesTheHostWhenNothingCanBeInferred(t *testing.T) {
	_, _, err := For("loki.internal.example:3100", "", "us-east-1")
	if err == nil || err.Error() != `cannot infer the AWS service to sign for from host "loki.internal.example": set service` {
		t.Fatalf("err = %v", err)
	}
	s, r, err := For("loki.internal.example", "execute-api", "eu-west-1")
	if err != nil || s != "execute-api" || r != "eu-west-1" {
		t.Fatalf("configured service: %q %q %v", s, r, err)
	}
	// The host's region wins: an endpoint only accepts its own.
	s, r, _ = For("aps-workspaces.us-west-2.amazonaws.com", "", "us-east-1")
	if s != "aps" || r != "us-west-2" {
		t.Fatalf("got %q %q", s, r)
	}
}

func TestIsAWSHost(t *testing.T) {
	for host, want := range map[string]bool{
		"aps-workspaces.us-east-1.amazonaws.com": true, "x.amazonaws.com.cn": true, "x.us-east-1.api.aws": true,
		"amazonaws.com": false, "evilamazonaws.com": false, "amazonaws.com.evil.net": false, "example.com": false,
	} {
		if got := IsAWSHost(host); got != want {
			t.Errorf("IsAWSHost(%q) = %v", host, got)
		}
	}
}

func TestAWSOperated(t *testing.T) {
	for host, want := range map[string]bool{
		"aps-workspaces.us-east-1.amazonaws.com": true, "logs.us-east-1.amazonaws.com:443": true, "sts.amazonaws.com": true,
		"vpce-0a1b-x.aps-workspaces.us-east-1.vpce.amazonaws.com": true, "xray.us-east-1.api.aws": true,
		"a1b2c3.execute-api.us-east-1.amazonaws.com": false, "abc.lambda-url.us-east-1.on.aws": false,
		"svc-0a1b.7d67968.vpc-lattice-svcs.us-east-1.on.aws": false, "search-d-abc.us-east-1.es.amazonaws.com": false,
		"abc.us-east-1.aoss.amazonaws.com": false, "p-abc.us-east-1.osis.amazonaws.com": false,
		"vpce-0a1b-x.execute-api.us-east-1.vpce.amazonaws.com": false, "loki.internal.example": false, "amazonaws.com": false,
		// Customers write these answers too (#23): a third party's
		// PrivateLink service, S3 Object Lambda, AppSync, MWAA, Grafana.
		"vpce-0a1b2c3d-4e5f.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com": false,
		"ap-1-111122223333.s3-object-lambda.us-east-1.amazonaws.com":                 false,
		"abcdefghij.appsync-api.us-east-1.amazonaws.com":                             false,
		"0a1b2c3d-4e5f.c2.airflow.us-east-1.on.aws":                                  false,
		// Anything under on.aws is a customer's, whatever its labels say.
		"my-fn.logs.us-east-1.on.aws": false, "x.sts.us-east-1.on.aws": false,
		"g-0a1b2c3d4e.grafana-workspace.us-east-1.amazonaws.com": false,
		"bucket.s3.us-east-1.amazonaws.com":                      true, "monitoring.us-gov-west-1.amazonaws.com": true, "logs-fips.us-east-1.amazonaws.com": true,
	} {
		if got := AWSOperated(host); got != want {
			t.Errorf("AWSOperated(%q) = %v, want %v", host, got, want)
		}
		if h := Parse(host); h.Inferred && (h.Service == "" || h.Region == "") {
			t.Errorf("Parse(%q) inferred %+v without a service or region", host, h)
		}
	}
}

func TestPartitions(t *testing.T) {
	for region, want := range map[string]string{"us-east-1": "aws", "eu-central-2": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e", "us-isof-south-1": "aws-iso-f", "nowhere": ""} {
		if got := Partition(region); got != want {
			t.Errorf("Partition(%q) = %q, want %q", region, got, want)
		}
	}
	for host, want := range map[string]string{
		"logs.cn-north-1.amazonaws.com.cn": "aws-cn", "sts.amazonaws.com.cn": "aws-cn", "aps-workspaces.us-east-1.amazonaws.com": "aws",
		"logs.us-gov-west-1.amazonaws.com": "aws-us-gov", "sts.amazonaws.com": "aws", "xray.us-gov-east-1.api.aws": "aws-us-gov",
		"iam.us-gov.amazonaws.com": "", "loki.internal.example": "",
	} {
		if got := HostPartition(host); got != want {
			t.Errorf("HostPartition(%q) = %q, want %q", host, got, want)
		}
	}
}

// An interface endpoint is a data plane for the services that take data at
// their regional endpoint, and the API's for those that take it at a
// resource's own name (#33: vpce-….osis… counted as a pipeline, so
// CreatePipeline was signed).
func TestInterfaceEndpointsOfResourceServicesAreControlPlanes(t *testing.T) {
	for host, want := range map[string]bool{
		"vpce-0a1b-x.aps-workspaces.us-east-1.vpce.amazonaws.com": true,
		"vpce-0a1b-x.logs.us-east-1.vpce.amazonaws.com":           true,
		"vpce-0a1b-x.osis.us-east-1.vpce.amazonaws.com":           false,
		"vpce-0a1b-x.es.us-east-1.vpce.amazonaws.com":             false,
		"vpce-0a1b-x.aoss.us-east-1.vpce.amazonaws.com":           false,
		"pipe-abc123.us-east-1.osis.amazonaws.com":                true,
		"osis.us-east-1.amazonaws.com":                            false,
	} {
		if _, dataPlane := Endpoint(host); dataPlane != want {
			t.Errorf("%s: data plane %v, want %v", host, dataPlane, want)
		}
	}
}

// A bucket's website endpoint is its owner's pages, not S3: it is neither
// inferred as S3 nor AWS-operated (#33: BUCKET.s3-website-REGION was parsed
// as S3 in region "website-REGION", and its error pages reached health as
// AWS's words).
func TestS3WebsiteEndpointsAreNotS3(t *testing.T) {
	for _, h := range []string{"bucket.s3-website-us-east-1.amazonaws.com", "bucket.s3-website.us-east-1.amazonaws.com"} {
		if s, _, ok := Infer(h); ok && s == "s3" {
			t.Errorf("%s inferred as s3", h)
		}
		if AWSOperated(h) {
			t.Errorf("%s counted as AWS-operated", h)
		}
	}
	if s, r, ok := Infer("bucket.s3-us-west-2.amazonaws.com"); !ok || s != "s3" || r != "us-west-2" {
		t.Errorf("the legacy s3-REGION form: %q %q %v", s, r, ok)
	}
}
