package receivers

import "github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"

// The demo's keys are AWS's documented example keys: they exist nowhere
// but in the fake AWS. examples/demo.river assumes DemoRoleARN with
// DemoExternalID. aws-agent demo and the end-to-end tests start the same
// fake AWS, so the demo's setup lives here, beside the fakes.
const (
	DemoAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	DemoSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	DemoRoleARN         = "arn:aws:iam::444455556666:role/demo-telemetry-writer"
	DemoExternalID      = "demo-external-id"
)

// StartDemoAWS starts the fake AWS demo.river runs against: it knows the
// demo user's keys and lets them assume the demo role with its external ID.
func StartDemoAWS() *FakeAWS {
	aws := StartFakeAWS(sigv4verify.Key{AccessKeyID: DemoAccessKeyID, SecretAccessKey: DemoSecretAccessKey,
		ARN: "arn:aws:iam::111122223333:user/demo", Account: "111122223333", UserID: "AIDADEMOUSER"})
	aws.STS.RequireExternalID(DemoRoleARN, DemoExternalID)
	return aws
}

// DemoEnv is what demo.river reads with env(): the demo's keys, where the
// fake AWS answers, and where the demo's logs and OTLP come in.
type DemoEnv struct {
	AccessKeyID, SecretAccessKey string
	STSEndpoint, ProxyURL, CAPEM string
	LogFile, OTLPListen          string
}

// Vars returns the variables as NAME=value. HTTPS_PROXY is the proxy too:
// the otelcol exporters reach the fake endpoints' host names through it,
// as they would through a corporate one.
func (d DemoEnv) Vars() []string {
	return []string{
		"DEMO_ACCESS_KEY_ID=" + d.AccessKeyID,
		"DEMO_SECRET_ACCESS_KEY=" + d.SecretAccessKey,
		"DEMO_STS_ENDPOINT=" + d.STSEndpoint,
		"DEMO_PROXY_URL=" + d.ProxyURL,
		"DEMO_CA_PEM=" + d.CAPEM,
		"DEMO_LOG_FILE=" + d.LogFile,
		"DEMO_OTLP_LISTEN=" + d.OTLPListen,
		"HTTPS_PROXY=" + d.ProxyURL,
	}
}
