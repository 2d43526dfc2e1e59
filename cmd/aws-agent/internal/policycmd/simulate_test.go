package policycmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// call is one request an example's identity makes: the IAM action and
// resource AWS authorizes it as (from AWS's documentation), and the text
// in the example that sends it.
type call struct {
	component string // aws.auth.LABEL
	base      bool   // made by the base identity (AssumeRole), not the role
	action    string
	resource  string
	sentBy    string // the example text that sends it, held to the file
}

// exampleCalls is what each example in examples/ sends, written from the
// example's text and AWS's authorization rules, not from the generator:
// AMP's remote write acts on the workspace in its path; API Gateway's
// Invoke on API/STAGE/METHOD/PATH; CloudWatch Logs' OTLP endpoint puts log
// events in the stream its headers name; X-Ray's writes take no
// resource; a role is assumed by its base identity. The account is the
// role's when there is a role_arn, else the base identity's, which
// examples/policies was generated for (--account 111122223333).
var exampleCalls = map[string][]call{
	"amp-irsa": {
		{"aws.auth.amp", false, "aps:RemoteWrite", "arn:aws:aps:us-east-1:111122223333:workspace/ws-EXAMPLE", "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-EXAMPLE/api/v1/remote_write"},
	},
	"cross-account": {
		{"aws.auth.central", true, "sts:AssumeRole", "arn:aws:iam::444455556666:role/central-telemetry-writer", `role_arn             = "arn:aws:iam::444455556666:role/central-telemetry-writer"`},
		{"aws.auth.central", false, "aps:RemoteWrite", "arn:aws:aps:us-east-1:444455556666:workspace/ws-CENTRAL", "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-CENTRAL/api/v1/remote_write"},
	},
	"demo": {
		{"aws.auth.demo", true, "sts:AssumeRole", "arn:aws:iam::444455556666:role/demo-telemetry-writer", `role_arn          = "arn:aws:iam::444455556666:role/demo-telemetry-writer"`},
		{"aws.auth.demo", false, "aps:RemoteWrite", "arn:aws:aps:us-east-1:444455556666:workspace/ws-demo", "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-demo/api/v1/remote_write"},
		{"aws.auth.demo", false, "execute-api:Invoke", "arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/POST/loki/api/v1/push", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push"},
		{"aws.auth.demo", false, "xray:PutTraceSegments", "*", `"https://xray.us-east-1.amazonaws.com"`},
		{"aws.auth.demo", false, "logs:PutLogEvents", "arn:aws:logs:us-east-1:444455556666:log-group:/demo/apps:log-stream:demo", `"x-aws-log-group"  = "/demo/apps"`},
		{"aws.auth.demo", false, "s3:PutObject", "arn:aws:s3:::demo-telemetry-archive/demo_traces/year=2026/month=12/day=04/hour=10/minute=05/traces_0123456789abcdef.json.gz", `s3_prefix             = "demo_traces"`},
	},
	"ec2-instance-profile": {
		{"aws.auth.default", false, "aps:RemoteWrite", "arn:aws:aps:us-west-2:111122223333:workspace/ws-EXAMPLE", "aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-EXAMPLE/api/v1/remote_write"},
	},
	"loki-api-gateway": {
		{"aws.auth.loki", false, "execute-api:Invoke", "arn:aws:execute-api:eu-west-1:111122223333:abc123defg/prod/POST/loki/api/v1/push", "abc123defg.execute-api.eu-west-1.amazonaws.com/prod/loki/api/v1/push"},
	},
	"multi-region": {
		{"aws.auth.us_east_1", false, "aps:RemoteWrite", "arn:aws:aps:us-east-1:111122223333:workspace/ws-US-EXAMPLE", "aws.auth.us_east_1.gateway_url + \"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-US-EXAMPLE/api/v1/remote_write"},
		{"aws.auth.eu_west_1", false, "aps:RemoteWrite", "arn:aws:aps:eu-west-1:111122223333:workspace/ws-EU-EXAMPLE", "aws.auth.eu_west_1.gateway_url + \"/aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-EU-EXAMPLE/api/v1/remote_write"},
	},
	"otlp-xray-cloudwatch": {
		{"aws.auth.otlp", false, "xray:PutTraceSegments", "*", `"https://xray.us-east-1.amazonaws.com"`},
		{"aws.auth.otlp", false, "logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/agent/apps:log-stream:default", `"x-aws-log-stream" = "default"`},
	},
	"roles-anywhere": {
		{"aws.auth.amp", false, "aps:RemoteWrite", "arn:aws:aps:eu-west-1:111122223333:workspace/ws-EXAMPLE", "aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-EXAMPLE/api/v1/remote_write"},
	},
	// S3 authorizes PutObject on the object's ARN, arn:aws:s3:::BUCKET/KEY
	// (no region, no account); SSE-KMS with a customer managed key needs
	// kms:GenerateDataKey on the key ARN. The keys are the exporter's
	// layout: PREFIX/year=…/month=…/day=…/hour=…/minute=…/SIGNAL_SUFFIX.EXT.
	"s3-logs-irsa": {
		{"aws.auth.archive", false, "s3:PutObject", "arn:aws:s3:::your-loki-logs-bucket/loki_logs/year=2026/month=12/day=04/hour=10/minute=05/logs_0123456789abcdef.jsonl.gz", `s3_prefix   = "loki_logs"`},
	},
	"s3-traces-cross-account": {
		{"aws.auth.traces", true, "sts:AssumeRole", "arn:aws:iam::987654321098:role/TempoTraceWriterRole", `role_arn    = "arn:aws:iam::987654321098:role/TempoTraceWriterRole"`},
		{"aws.auth.traces", false, "s3:PutObject", "arn:aws:s3:::your-tempo-traces-bucket/tempo_traces/year=2026/month=12/day=04/hour=10/minute=05/traces_0123456789abcdef.binpb.zst", `s3_bucket              = "your-tempo-traces-bucket"`},
		{"aws.auth.traces", false, "kms:GenerateDataKey", "arn:aws:kms:us-west-2:987654321098:key/1234abcd-12ab-34cd-56ef-1234567890ab", `ssekms_key_id          = "arn:aws:kms:us-west-2:987654321098:key/1234abcd-12ab-34cd-56ef-1234567890ab"`},
	},
	"static-keys": {
		{"aws.auth.dev", false, "aps:RemoteWrite", "arn:aws:aps:us-east-1:111122223333:workspace/ws-DEV", "aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-DEV/api/v1/remote_write"},
	},
}

// Every policy in examples/policies, evaluated as IAM evaluates an
// identity policy (an explicit Allow whose Action and Resource patterns
// match, no Deny, no Condition this test cannot decide), allows each call
// its example makes and nothing else: each statement's every action and
// resource is needed by a call, and the calls next to them — another
// workspace, region, account, stage, method, log stream, or a role's
// action made by the base identity — are denied. (#32: cross-account.json
// granted the write in the base identity's account, where the role does
// not write: AccessDenied as shipped.)
func TestExamplePoliciesAllowWhatTheExamplesSend(t *testing.T) {
	files, err := filepath.Glob("../../../../examples/*.river")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".river")
		calls, ok := exampleCalls[name]
		if !ok {
			t.Errorf("examples/%s.river: no calls written for it here", name)
			continue
		}
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join("../../../../examples/policies", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var shipped map[string]map[string]json.RawMessage
		if err := json.Unmarshal(raw, &shipped); err != nil {
			t.Fatal(err)
		}
		used := map[string]bool{} // component/doc/action/resource
		for _, c := range calls {
			if !strings.Contains(string(text), c.sentBy) {
				t.Errorf("%s: %q is not in the example any more: rewrite its calls", name, c.sentBy)
			}
			doc := "identity_policy"
			if c.base {
				doc = "base_identity_policy"
			}
			d := decode(t, shipped[c.component][doc])
			if !allows(t, d, c.action, c.resource, used, c.component+"/"+doc) {
				t.Errorf("%s: %s's %s does not allow %s on %s, which the example needs", name, c.component, doc, c.action, c.resource)
			}
			for _, near := range nearMisses(c) {
				if allows(t, d, near.action, near.resource, nil, "") {
					t.Errorf("%s: %s's %s allows %s on %s, which the example does not send", name, c.component, doc, near.action, near.resource)
				}
			}
			if !c.base && shipped[c.component]["base_identity_policy"] != nil {
				if allows(t, decode(t, shipped[c.component]["base_identity_policy"]), c.action, c.resource, nil, "") {
					t.Errorf("%s: the base identity may %s on %s itself: only the role writes", name, c.action, c.resource)
				}
			}
		}
		for _, g := range grants(t, shipped) {
			if !used[g.component+"/"+g.doc+"/"+g.action+"/"+g.resource] {
				t.Errorf("%s: %s's %s grants %s on %s, which no call of the example needs", name, g.component, g.doc, g.action, g.resource)
			}
		}
	}
}

// allows evaluates d for action on resource as IAM does for an identity
// policy; each statement's action and resource that match are noted in
// used under prefix.
func allows(t *testing.T, d document, action, resource string, used map[string]bool, prefix string) bool {
	t.Helper()
	allowed := false
	for _, st := range d.Statement {
		if len(st.Condition) != 0 {
			t.Fatalf("a condition this test cannot decide: %v", st.Condition)
		}
		for _, a := range st.Action {
			if !iamMatch(a, action, true) {
				continue
			}
			for _, r := range st.Resource {
				if !iamMatch(r, resource, false) {
					continue
				}
				if st.Effect == "Deny" {
					return false
				}
				if st.Effect == "Allow" {
					allowed = true
					if used != nil {
						used[prefix+"/"+a+"/"+r] = true
					}
				}
			}
		}
	}
	return allowed
}

// iamMatch is IAM's pattern match: * any run, ? one character; actions
// are matched without regard to case, resources with it.
func iamMatch(pattern, value string, fold bool) bool {
	re := strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern))
	if fold {
		re = "(?i)" + re
	}
	return regexp.MustCompile("^" + re + "$").MatchString(value)
}

// nearMisses are calls next to c that the example does not make: the same
// action on a sibling resource (each part of its ARN changed in turn),
// and the service's other actions on the same resource.
func nearMisses(c call) []call {
	var out []call
	if bucket, key, ok := strings.Cut(strings.TrimPrefix(c.resource, "arn:aws:s3:::"), "/"); ok && strings.HasPrefix(c.resource, "arn:aws:s3:::") {
		// An object ARN: another bucket, another prefix, the bucket itself.
		prefix, rest, _ := strings.Cut(key, "/")
		out = append(out, call{action: c.action, resource: "arn:aws:s3:::" + bucket + "x/" + key},
			call{action: c.action, resource: "arn:aws:s3:::" + bucket + "/" + prefix + "x/" + rest},
			call{action: c.action, resource: "arn:aws:s3:::" + bucket + "/" + rest},
			call{action: c.action, resource: "arn:aws:s3:::" + bucket})
	} else if c.resource != "*" {
		parts := strings.SplitN(c.resource, ":", 6)
		for i := 3; i < 6; i++ {
			if parts[i] == "" {
				continue
			}
			changed := append([]string(nil), parts...)
			changed[i] = changed[i] + "x"
			if i == 3 {
				changed[i] = "ap-south-1"
			}
			if i == 4 {
				changed[i] = "999988887777"
			}
			out = append(out, call{action: c.action, resource: strings.Join(changed, ":")})
		}
		out = append(out, call{action: c.action, resource: c.resource + "/other"})
		if strings.Contains(c.resource, "/POST/") {
			out = append(out, call{action: c.action, resource: strings.Replace(c.resource, "/POST/", "/GET/", 1)})
		}
	}
	others := map[string][]string{
		"aps":         {"aps:QueryMetrics", "aps:DeleteWorkspace", "aps:CreateWorkspace"},
		"execute-api": {"execute-api:ManageConnections", "execute-api:InvalidateCache"},
		"logs":        {"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:FilterLogEvents", "logs:PutResourcePolicy"},
		"xray":        {"xray:GetTraceSummaries", "xray:PutEncryptionConfig", "xray:BatchGetTraces"},
		"sts":         {"sts:AssumeRoleWithWebIdentity", "sts:GetFederationToken"},
		"s3":          {"s3:GetObject", "s3:ListBucket", "s3:DeleteObject", "s3:PutObjectAcl", "s3:PutBucketPolicy"},
		"kms":         {"kms:Decrypt", "kms:Encrypt", "kms:CreateGrant", "kms:ScheduleKeyDeletion"},
	}
	for _, a := range others[strings.Split(c.action, ":")[0]] {
		out = append(out, call{action: a, resource: c.resource})
	}
	return out
}
