// Package demoaws holds, in its subpackages, the fake AWS that aws-agent
// demo runs and the tests run too: nothing of it signs, and none of it is
// the test kit (awsauth/awsauthtest), which aws-agent does not link.
//
//	fakeaws    STS, IMDSv2, the container credential endpoint and a service
//	           endpoint that verifies every signature, in AWS's wire formats
//	fakes3     Amazon S3's PutObject, in S3's wire format
//	pki        certificates, loopback servers (TLS for AWS host names, a
//	           CONNECT proxy in front), a fake IAM Roles Anywhere
//	receivers  the telemetry endpoints (AMP, X-Ray and CloudWatch OTLP, Loki
//	           behind API Gateway) and FakeAWS, the whole demo account
//
// Each verifies signatures with package sigv4verify, written from AWS's
// documentation; none imports the code it checks (TestTestKitIsIndependent).
package demoaws
