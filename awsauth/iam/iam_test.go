package iam

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const account = "111122223333"

func TestGrantsOfTelemetryWrites(t *testing.T) {
	logs := http.Header{"X-Aws-Log-Group": {"/app/agent"}, "X-Aws-Log-Stream": {"node-1"}}
	cases := []struct {
		method, url string
		header      http.Header
		account     string
		action      string
		resource    string
	}{
		{"POST", "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-abc/api/v1/remote_write", nil, account,
			"aps:RemoteWrite", "arn:aws:aps:us-east-1:111122223333:workspace/ws-abc"},
		{"POST", "https://aps-workspaces.cn-north-1.amazonaws.com.cn/workspaces/ws-cn/api/v1/remote_write", nil, account,
			"aps:RemoteWrite", "arn:aws-cn:aps:cn-north-1:111122223333:workspace/ws-cn"},
		{"POST", "https://aps-workspaces.us-gov-west-1.amazonaws.com/workspaces/ws-g/api/v1/remote_write", nil, "",
			"aps:RemoteWrite", "arn:aws-us-gov:aps:us-gov-west-1:*:workspace/ws-g"},
		{"POST", "https://logs.eu-west-1.amazonaws.com/v1/logs", logs, account,
			"logs:PutLogEvents", "arn:aws:logs:eu-west-1:111122223333:log-group:/app/agent:log-stream:node-1"},
		{"POST", "https://xray.eu-west-1.amazonaws.com/v1/traces", nil, account, "xray:PutTraceSegments", "*"},
		{"POST", "https://monitoring.eu-west-1.amazonaws.com/v1/metrics", nil, account, "cloudwatch:PutMetricData", "*"},
		{"POST", "https://search-logs-abc123def.us-east-1.es.amazonaws.com/app/_bulk", nil, account,
			"es:ESHttpPost", "arn:aws:es:us-east-1:111122223333:domain/logs/app/_bulk"},
		{"PUT", "https://vpc-my-logs-abc123def.us-east-1.es.amazonaws.com/app/_doc/42", nil, account,
			"es:ESHttpPut", "arn:aws:es:us-east-1:111122223333:domain/my-logs/app/_doc/*"},
		{"POST", "https://abc123xyz.us-east-1.aoss.amazonaws.com/_bulk", nil, account,
			"aoss:APIAccessAll", "arn:aws:aoss:us-east-1:111122223333:collection/abc123xyz"},
		{"POST", "https://traces-pipeline-a1b2c3.us-east-1.osis.amazonaws.com/v1/traces", nil, account,
			"osis:Ingest", "arn:aws:osis:us-east-1:111122223333:pipeline/traces-pipeline"},
		{"POST", "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/loki/api/v1/push", nil, account,
			"execute-api:Invoke", "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/prod/POST/loki/api/v1/push"},
	}
	for _, c := range cases {
		g, err := For(Request{Method: c.method, URL: c.url, Header: c.header}, c.account)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.url, err)
			continue
		}
		if g.Action != c.action || g.Resource != c.resource {
			t.Errorf("%s %s:\n got %s on %s\nwant %s on %s", c.method, c.url, g.Action, g.Resource, c.action, c.resource)
		}
		if strings.Contains(g.Action+g.Resource, "${") {
			t.Errorf("%s: a placeholder is left: %s %s", c.url, g.Action, g.Resource)
		}
	}
}

// What aws.auth signs nothing for, or cannot name the resource of, is an
// error saying so — never a policy with a guessed or "*" resource.
func TestGrantsRefused(t *testing.T) {
	for _, c := range []struct{ method, url, want string }{
		{"POST", "https://sts.us-east-1.amazonaws.com/", "not a telemetry write"},
		{"POST", "https://search-logs-abc.us-east-1.es.amazonaws.com/app/_search", "not a telemetry write"},
		{"POST", "https://es.us-east-1.amazonaws.com/2021-01-01/opensearch/domain", "not a telemetry write"},
		{"GET", "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws/api/v1/query", "not a telemetry write"},
		{"POST", "https://logs.us-east-1.amazonaws.com/v1/logs", "x-aws-log-group and x-aws-log-stream"},
		{"POST", "https://a1b2c3.execute-api.us-east-1.amazonaws.com/", "names its stage first"},
		{"POST", "https://vpce-0abc-def.execute-api.us-east-1.vpce.amazonaws.com/prod/push", "x-apigw-api-id"},
		{"POST", "/workspaces/ws/api/v1/remote_write", "not an absolute URL"},
	} {
		if g, err := For(Request{Method: c.method, URL: c.url}, account); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: %+v, %v; want an error with %q", c.method, c.url, g, err, c.want)
		}
	}
}

var arnPattern = regexp.MustCompile(`^arn:aws(-[a-z-]+)?:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12}|\*)?:.+$`)

func TestIdentityPolicy(t *testing.T) {
	var grants []Grant
	for _, u := range []string{
		"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-b/api/v1/remote_write",
		"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-a/api/v1/remote_write",
		"https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-a/api/v1/remote_write",
		"https://xray.us-east-1.amazonaws.com/v1/traces",
		"https://xray.us-east-1.amazonaws.com/TraceSegments",
	} {
		g, err := For(Request{Method: "POST", URL: u}, account)
		if err != nil {
			t.Fatal(err)
		}
		grants = append(grants, g)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Sid, Effect      string
			Action, Resource []string
		}
	}
	if err := json.Unmarshal(Identity(grants).JSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) != 2 {
		t.Fatalf("%+v", doc)
	}
	aps, xray := doc.Statement[0], doc.Statement[1]
	if aps.Sid != "ApsRemoteWrite" || !slices.Equal(aps.Action, []string{"aps:RemoteWrite"}) ||
		!slices.Equal(aps.Resource, []string{"arn:aws:aps:us-east-1:111122223333:workspace/ws-a", "arn:aws:aps:us-east-1:111122223333:workspace/ws-b"}) {
		t.Errorf("aps statement %+v", aps)
	}
	if xray.Sid != "XrayPutTraceSegments" || !slices.Equal(xray.Resource, []string{"*"}) || xray.Effect != "Allow" {
		t.Errorf("xray statement %+v", xray)
	}
	for _, r := range aps.Resource {
		if !arnPattern.MatchString(r) {
			t.Errorf("%q is no ARN", r)
		}
	}
	// "*" among a statement's resources covers the rest.
	d := Identity([]Grant{{Action: "a:B", Resource: "arn:aws:a:r:111122223333:x"}, {Action: "a:B", Resource: "*"}})
	if !slices.Equal(d.Statement[0].Resource, []string{"*"}) {
		t.Errorf("%+v", d.Statement[0])
	}
}

func TestAssumeRole(t *testing.T) {
	role := "arn:aws:iam::444455556666:role/telemetry"
	if s := AssumeRole(role, false, false); !slices.Equal(s.Action, []string{"sts:AssumeRole"}) || !slices.Equal(s.Resource, []string{role}) {
		t.Errorf("%+v", s)
	}
	if s := AssumeRole(role, true, true); !slices.Equal(s.Action, []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}) {
		t.Errorf("%+v", s)
	}
}

func TestTrustPolicies(t *testing.T) {
	provider := "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	cases := []struct {
		kind      string
		o         TrustOptions
		principal map[string]string
		actions   []string
		condition map[string]map[string]string
	}{
		{"irsa", TrustOptions{Account: account, OIDCProvider: "https://" + provider, Namespace: "monitoring", ServiceAccount: "aws-agent"},
			map[string]string{"Federated": "arn:aws:iam::111122223333:oidc-provider/" + provider},
			[]string{"sts:AssumeRoleWithWebIdentity"},
			map[string]map[string]string{"StringEquals": {provider + ":sub": "system:serviceaccount:monitoring:aws-agent", provider + ":aud": "sts.amazonaws.com"}}},
		{"pod-identity", TrustOptions{}, map[string]string{"Service": "pods.eks.amazonaws.com"}, []string{"sts:AssumeRole", "sts:TagSession"}, nil},
		{"ec2", TrustOptions{}, map[string]string{"Service": "ec2.amazonaws.com"}, []string{"sts:AssumeRole"}, nil},
		{"ecs", TrustOptions{}, map[string]string{"Service": "ecs-tasks.amazonaws.com"}, []string{"sts:AssumeRole"}, nil},
		{"roles-anywhere", TrustOptions{TrustAnchorARN: "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta-1", SubjectCN: "agent-1"},
			map[string]string{"Service": "rolesanywhere.amazonaws.com"}, []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"},
			map[string]map[string]string{"ArnEquals": {"aws:SourceArn": "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta-1"}, "StringEquals": {"aws:PrincipalTag/x509Subject/CN": "agent-1"}}},
		{"account", TrustOptions{TrustedAccount: "444455556666", ExternalID: "ext-1"},
			map[string]string{"AWS": "arn:aws:iam::444455556666:root"}, []string{"sts:AssumeRole"},
			map[string]map[string]string{"StringEquals": {"sts:ExternalId": "ext-1"}}},
	}
	for _, c := range cases {
		d, err := Trust(c.kind, c.o)
		if err != nil {
			t.Errorf("%s: %v", c.kind, err)
			continue
		}
		s := d.Statement[0]
		if d.Version != Version || len(d.Statement) != 1 || s.Effect != "Allow" || !equalMaps(s.Principal, c.principal) || !slices.Equal(s.Action, c.actions) || len(s.Resource) != 0 {
			t.Errorf("%s: %+v", c.kind, d)
		}
		if len(s.Condition) != len(c.condition) {
			t.Errorf("%s: condition %v, want %v", c.kind, s.Condition, c.condition)
		}
		for op, kv := range c.condition {
			if !equalMaps(s.Condition[op], kv) {
				t.Errorf("%s: condition %s = %v, want %v", c.kind, op, s.Condition[op], kv)
			}
		}
	}
	for _, c := range []struct {
		kind string
		o    TrustOptions
		want string
	}{
		{"irsa", TrustOptions{Account: account}, "OIDC provider"},
		{"roles-anywhere", TrustOptions{}, "trust anchor"},
		{"account", TrustOptions{TrustedAccount: "4444"}, "12-digit"},
		{"lambda", TrustOptions{}, "want one of irsa, pod-identity"},
	} {
		if _, err := Trust(c.kind, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.kind, err, c.want)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMissing(t *testing.T) {
	got := Missing("arn:aws:sts::111122223333:assumed-role/agent/i-1", "aps:RemoteWrite", "arn:aws:aps:us-east-1:111122223333:workspace/ws-1")
	want := `add to the identity policy of arn:aws:sts::111122223333:assumed-role/agent/i-1: {"Effect":"Allow","Action":"aps:RemoteWrite","Resource":"arn:aws:aps:us-east-1:111122223333:workspace/ws-1"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	got = Missing("arn:aws:sts::111122223333:assumed-role/base/x", "sts:AssumeRole", "arn:aws:iam::444455556666:role/writer")
	if !strings.Contains(got, `"Action":"sts:AssumeRole","Resource":"arn:aws:iam::444455556666:role/writer"`) || !strings.Contains(got, "arn:aws:iam::444455556666:role/writer's trust policy must allow it") {
		t.Errorf("%s", got)
	}
	if got := Missing("p", "xray:PutTraceSegments", ""); !strings.Contains(got, `"Resource":"*"`) {
		t.Errorf("%s", got)
	}
}

func TestNeeds(t *testing.T) {
	if got := Needs("es"); !strings.Contains(got, "es:ESHttpPost, es:ESHttpPut") || strings.Contains(got, "${") {
		t.Errorf("%q", got)
	}
	if got := Needs("aps"); !strings.Contains(got, "allow aps:RemoteWrite on") {
		t.Errorf("%q", got)
	}
	if got := Needs("lambda"); got != "" {
		t.Errorf("%q", got)
	}
}

func jwt(payload string) []byte {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	return []byte(enc(`{"alg":"RS256"}`) + "." + enc(payload) + ".c2lnbmF0dXJl\n")
}

func TestReadToken(t *testing.T) {
	c, err := ReadToken(jwt(`{"iss":"https://oidc.eks.us-east-1.amazonaws.com/id/ABC","sub":"system:serviceaccount:monitoring:aws-agent","aud":["sts.amazonaws.com"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if ns, sa, ok := c.ServiceAccount(); !ok || ns != "monitoring" || sa != "aws-agent" || len(c.IRSANotes()) != 0 || c.Issuer != "https://oidc.eks.us-east-1.amazonaws.com/id/ABC" {
		t.Fatalf("%+v %v", c, c.IRSANotes())
	}
	c, err = ReadToken(jwt(`{"sub":"system:serviceaccount:default:default","aud":"https://kubernetes.default.svc"}`))
	if err != nil {
		t.Fatal(err)
	}
	if n := c.IRSANotes(); len(n) != 1 || !strings.Contains(n[0], `aud is "https://kubernetes.default.svc", not sts.amazonaws.com`) {
		t.Fatalf("%v", n)
	}
	c, _ = ReadToken(jwt(`{"sub":"user@example.com","aud":"sts.amazonaws.com"}`))
	if n := c.IRSANotes(); len(n) != 1 || !strings.Contains(n[0], "is no Kubernetes service account") {
		t.Fatalf("%v", n)
	}
	for _, bad := range []string{"AKIAsecretish-not-a-jwt", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("not json")) + ".c"} {
		_, err := ReadToken([]byte(bad))
		if err == nil || strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
