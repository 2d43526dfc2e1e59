package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// The policy aws-agent policy writes for the demo (examples/policies/
// demo.json, held equal to the command's output) allows every request the
// demo's components really send to the fake AWS, and nothing broader: no
// wildcard action, no "*" resource where the action takes an ARN. The
// action and ARN each request needs are written here from AWS's
// documentation, not by the generator.
func TestDemoPolicyCoversWhatTheDemoSends(t *testing.T) {
	d := startDemoAgent(t)
	if err := os.WriteFile(d.logFile, []byte("level=info msg=\"hello from the policy test\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.sendSpan(t, "policy-test")
	d.sendLogRecord(t, "policy-test")
	endpoints := map[string]*fakeaws.Endpoint{"aps": d.aws.AMP.Endpoint, "xray": d.aws.XRay.Endpoint, "logs": d.aws.Logs.Endpoint, "execute-api": d.aws.Loki.Endpoint}
	var waiting []string
	defer func() {
		if t.Failed() && len(waiting) > 0 {
			t.Logf("nothing arrived at: %v", waiting)
		}
	}()
	eventually(t, 90*time.Second, "every signal reaches the fake AWS", func() bool {
		waiting = waiting[:0]
		for service, e := range endpoints {
			if len(e.Shapes()) == 0 {
				waiting = append(waiting, service)
			}
		}
		if len(d.aws.S3.Objects()) == 0 {
			waiting = append(waiting, "s3")
		}
		return len(waiting) == 0
	})

	b, err := os.ReadFile("../examples/policies/demo.json")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]struct {
		Identity struct {
			Statement []struct {
				Effect           string
				Action, Resource []string
			}
		} `json:"identity_policy"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	policy := out["aws.auth.demo"].Identity.Statement
	if len(policy) == 0 {
		t.Fatal("examples/policies/demo.json has no identity policy for aws.auth.demo")
	}
	allowed := func(action, arn string) bool {
		for _, s := range policy {
			if s.Effect == "Allow" && matchesAny(s.Action, action) && matchesAny(s.Resource, arn) {
				return true
			}
		}
		return false
	}
	for service, e := range endpoints {
		// The resources written are in the account of the identity that
		// signs: the fake knows who signed (the assumed role's session),
		// not from the generator. (The shipped policy named the --account
		// of its generation, 111122223333, while the role writes in
		// 444455556666; this test assumed the same and passed.)
		var account string
		for signer := range e.Signers() {
			parts := strings.SplitN(signer.ARN, ":", 6)
			if len(parts) != 6 || account != "" && parts[4] != account {
				t.Fatalf("%s: signers %v: want one account", service, e.Signers())
			}
			account = parts[4]
		}
		for _, r := range e.Shapes() {
			action, arn := needs(service, r, account)
			if !allowed(action, arn) {
				t.Errorf("the demo sent %s %s%s (%s), which needs %s on %s: the policy does not allow it", r.Method, r.Host, r.Path, service, action, arn)
			}
		}
	}
	// S3 authorizes PutObject on the object: arn:aws:s3:::BUCKET/KEY.
	for _, o := range d.aws.S3.Objects() {
		if arn := "arn:aws:s3:::" + o.Bucket + "/" + o.Key; !allowed("s3:PutObject", arn) {
			t.Errorf("the demo archived %s, which needs s3:PutObject on it: the policy does not allow it", arn)
		}
	}
	for _, s := range policy {
		for _, a := range s.Action {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("wildcard action %q", a)
			}
			for _, res := range s.Resource {
				if res == "*" && a != "xray:PutTraceSegments" {
					t.Errorf("%s on \"*\": its ARN is known", a)
				}
			}
		}
	}
}

// needs is the IAM action and resource ARN a request to a telemetry
// endpoint needs, from AWS's documentation: AMP's remote write acts on the
// workspace in its path; CloudWatch Logs' OTLP endpoint puts log events
// in the stream its headers name; X-Ray's write actions take no resource;
// API Gateway's Invoke acts on API/STAGE/METHOD/PATH.
func needs(service string, r fakeaws.Shape, account string) (action, arn string) {
	host := strings.Split(r.Host, ":")[0]
	parts := strings.Split(host, ".")
	region := parts[len(parts)-3] // …REGION.amazonaws.com
	segments := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	switch service {
	case "aps":
		return "aps:RemoteWrite", fmt.Sprintf("arn:aws:aps:%s:%s:workspace/%s", region, account, segments[1])
	case "logs":
		return "logs:PutLogEvents", fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", region, account, r.LogGroup, r.LogStream)
	case "xray":
		return "xray:PutTraceSegments", "*"
	case "execute-api":
		return "execute-api:Invoke", fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", region, account, parts[0], segments[0], r.Method, strings.Join(segments[1:], "/"))
	}
	return "", ""
}

// matchesAny reports whether value matches one of IAM's patterns (* any
// run, ? one character).
func matchesAny(patterns []string, value string) bool {
	for _, p := range patterns {
		re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if regexp.MustCompile(re).MatchString(value) {
			return true
		}
	}
	return false
}
