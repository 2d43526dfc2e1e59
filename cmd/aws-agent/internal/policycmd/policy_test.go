package policycmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
)

const config = `
aws.auth "telemetry" {
	region       = "us-east-1"
	role_arn     = "arn:aws:iam::444455556666:role/telemetry-writer"
	external_id  = "ext-123"
	session_tags = {"team" = "observability"}
}

prometheus.remote_write "amp" {
	endpoint {
		url = aws.auth.telemetry.gateway_url + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-abc/api/v1/remote_write"
	}
	endpoint {
		url = "https://prometheus.internal.example/api/v1/write"
	}
}

loki.write "apigw" {
	endpoint {
		url = aws.auth.telemetry.gateway_url + "/a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push"
	}
}

otelcol.exporter.otlphttp "xray" {
	client {
		endpoint = "https://xray.us-east-1.amazonaws.com"
		auth     = aws.auth.telemetry.handler
	}
}

otelcol.exporter.otlphttp "logs" {
	client {
		endpoint = "https://logs.us-east-1.amazonaws.com"
		auth     = aws.auth.telemetry.handler
		headers  = {"x-aws-log-group" = "/agent/app", "x-aws-log-stream" = "node-1"}
	}
}
`

func run(t *testing.T, text string, args ...string) (map[string]map[string]json.RawMessage, string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "config.river")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := Run(append(args, file), &stdout, &stderr)
	var out map[string]map[string]json.RawMessage
	if stdout.Len() > 0 {
		if jerr := json.Unmarshal(stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("output is not JSON: %v\n%s", jerr, stdout.String())
		}
	}
	return out, stderr.String(), err
}

type document struct {
	Version   string
	Statement []struct {
		Effect    string
		Principal map[string]string
		Action    []string
		Resource  []string
		Condition map[string]map[string]string
	}
}

func decode(t *testing.T, raw json.RawMessage) document {
	t.Helper()
	var d document
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != "2012-10-17" {
		t.Fatalf("version %q", d.Version)
	}
	return d
}

func TestPolicyOfAConfiguration(t *testing.T) {
	out, stderr, err := run(t, config, "--trust", "account:111122223333")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	b := out["aws.auth.telemetry"]
	got := map[string][]string{}
	for _, s := range decode(t, b["identity_policy"]).Statement {
		if s.Effect != "Allow" || len(s.Action) != 1 {
			t.Fatalf("statement %+v", s)
		}
		got[s.Action[0]] = s.Resource
	}
	want := map[string][]string{
		"aps:RemoteWrite":       {"arn:aws:aps:us-east-1:444455556666:workspace/ws-abc"},
		"execute-api:Invoke":    {"arn:aws:execute-api:us-east-1:444455556666:a1b2c3d4e5/prod/POST/loki/api/v1/push"},
		"xray:PutTraceSegments": {"*"},
		"logs:PutLogEvents":     {"arn:aws:logs:us-east-1:444455556666:log-group:/agent/app:log-stream:node-1"},
	}
	if len(got) != len(want) {
		t.Errorf("actions %v, want %v", got, want)
	}
	for a, r := range want {
		if !slices.Equal(got[a], r) {
			t.Errorf("%s on %v, want %v", a, got[a], r)
		}
	}
	base := decode(t, b["base_identity_policy"]).Statement[0]
	if !slices.Equal(base.Action, []string{"sts:AssumeRole", "sts:TagSession"}) || !slices.Equal(base.Resource, []string{"arn:aws:iam::444455556666:role/telemetry-writer"}) {
		t.Errorf("base identity %+v", base)
	}
	trust := decode(t, b["trust_policy"]).Statement[0]
	if trust.Principal["AWS"] != "arn:aws:iam::111122223333:root" || trust.Condition["StringEquals"]["sts:ExternalId"] != "ext-123" {
		t.Errorf("trust %+v", trust)
	}
	if stderr != "" {
		t.Errorf("stderr %q", stderr)
	}
}

// An endpoint through the gateway whose IAM action aws.auth does not know
// is named on stderr, and the exit says the policy is incomplete.
func TestPolicyNamesUnknownEndpoints(t *testing.T) {
	text := strings.Replace(config, "/a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push", "/search-x-abc.us-east-1.es.amazonaws.com/app/_search", 1)
	out, stderr, err := run(t, text)
	if !errors.Is(err, errUnknownEndpoints) || errUnknownEndpoints.Status != 2 {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(stderr, "loki.write.apigw: https://search-x-abc.us-east-1.es.amazonaws.com/app/_search:") || !strings.Contains(stderr, "not a telemetry write") {
		t.Errorf("stderr %q", stderr)
	}
	if _, ok := out["aws.auth.telemetry"]["identity_policy"]; !ok {
		t.Error("the policy of the known endpoints is still printed")
	}
}

// A CloudWatch Logs exporter without the headers that name its log group
// and stream is an endpoint the policy cannot be written for, and says
// what it lacks; it is not taken for an endpoint of no known service.
func TestPolicyNamesALogsExporterWithoutItsHeaders(t *testing.T) {
	text := strings.Replace(config, `		headers  = {"x-aws-log-group" = "/agent/app", "x-aws-log-stream" = "node-1"}
`, "", 1)
	_, stderr, err := run(t, text)
	if !errors.Is(err, errUnknownEndpoints) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(stderr, "otelcol.exporter.otlphttp.logs: https://logs.us-east-1.amazonaws.com/v1/logs:") || !strings.Contains(stderr, "x-aws-log-group and x-aws-log-stream") {
		t.Errorf("stderr %q", stderr)
	}
}

func TestPolicyAccountAndPrint(t *testing.T) {
	text := `
aws.auth "amp" { region = "eu-west-1" }
prometheus.remote_write "amp" {
	endpoint { url = aws.auth.amp.gateway_url + "/aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write" }
}
`
	file := filepath.Join(t.TempDir(), "c.river")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := Run([]string{"--component", "aws.auth.amp", "--print", "identity", file}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	d := decode(t, stdout.Bytes())
	if !slices.Equal(d.Statement[0].Resource, []string{"arn:aws:aps:eu-west-1:*:workspace/ws-1"}) || !strings.Contains(stderr.String(), "resources name account *") {
		t.Errorf("%+v; stderr %q", d, stderr.String())
	}
	stdout.Reset()
	if err := Run([]string{"--account", "123456789012", "--component", "aws.auth.amp", "--print", "identity", file}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if d := decode(t, stdout.Bytes()); !slices.Equal(d.Statement[0].Resource, []string{"arn:aws:aps:eu-west-1:123456789012:workspace/ws-1"}) {
		t.Errorf("%+v", d)
	}
	if err := Run([]string{"--component", "aws.auth.amp", "--print", "base", file}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "base needs role_arn") {
		t.Errorf("--print base without role_arn: %v", err)
	}
}

// examples/policies holds what `aws-agent policy --account 111122223333`
// prints for each example; regenerate with
//
//	for f in examples/*.river; do go run ./cmd/aws-agent policy --account 111122223333 $f > examples/policies/$(basename $f .river).json; done
func TestExamplePoliciesAreCurrent(t *testing.T) {
	files, err := filepath.Glob("../../../../examples/*.river")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		var stdout, stderr bytes.Buffer
		if err := Run([]string{"--account", "111122223333", f}, &stdout, &stderr); err != nil {
			t.Errorf("%s: %v\n%s", f, err, stderr.String())
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".river")
		want, err := os.ReadFile(filepath.Join("../../../../examples/policies", name+".json"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(stdout.Bytes(), want) {
			t.Errorf("examples/policies/%s.json is not what aws-agent policy prints for examples/%s.river now:\n%s", name, name, stdout.String())
		}
		var out map[string]map[string]json.RawMessage
		if err := json.Unmarshal(want, &out); err != nil || len(out) == 0 {
			t.Errorf("%s: %v", name, err)
		}
		for _, g := range grants(t, out) {
			formats, ok := reference(t, g.action)
			if !ok {
				t.Errorf("%s %s %s: %s is not in AWS's Service Authorization Reference", name, g.component, g.doc, g.action)
			}
			if !resourceFits(g.resource, formats) {
				t.Errorf("%s %s %s: %s on %q: not an ARN of its resource types %v", name, g.component, g.doc, g.action, g.resource, formats)
			}
		}
	}
	policies, _ := filepath.Glob("../../../../examples/policies/*.json")
	if len(policies) != len(files) {
		t.Errorf("%d policies for %d examples", len(policies), len(files))
	}
}

// reference finds action in AWS's Service Authorization Reference (as the
// gateway's table test reads it) and returns the ARN formats of the
// resource types it takes; "*" among them when none is required.
func reference(t *testing.T, action string) ([]string, bool) {
	t.Helper()
	ref, err := awsauthtest.ReadIAMReference("../../../../awsauth/operations/testdata/iam-reference.json")
	if err != nil {
		t.Fatal(err)
	}
	uses, arns, ok := ref.Action(action)
	if !ok {
		return nil, false
	}
	var formats []string
	required := false
	for _, u := range uses {
		required = required || u.Required
		formats = append(formats, arns[u.Name])
	}
	if !required {
		formats = append(formats, "*")
	}
	return formats, true
}

// resourceFits reports whether an ARN has one of the formats: each
// ${Placeholder} is one or more characters; OpenSearch's domain ARN may go
// on with a path, as its access policies match.
func resourceFits(arn string, formats []string) bool {
	for _, f := range formats {
		if f == "*" {
			if arn == "*" {
				return true
			}
			continue
		}
		pattern := "^" + regexp.MustCompile(`\\\$\\\{[A-Za-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(f), ".+") + "(/.+)?$"
		if regexp.MustCompile(pattern).MatchString(arn) {
			return true
		}
	}
	return false
}

func TestResourceFits(t *testing.T) {
	ws := "arn:${Partition}:aps:${Region}:${Account}:workspace/${WorkspaceId}"
	for _, c := range []struct {
		arn     string
		formats []string
		fits    bool
	}{
		{"arn:aws:aps:us-east-1:111122223333:workspace/ws-1", []string{ws}, true},
		{"arn:aws:aps:us-east-1:111122223333:workspaces/ws-1", []string{ws}, false},
		{"arn:aws:aps:us-east-1:111122223333:rulegroupsnamespace/ws-1/x", []string{ws}, false},
		{"*", []string{ws}, false},
		{"*", []string{ws, "*"}, true},
		{"arn:aws:es:us-east-1:111122223333:domain/logs/app/_bulk", []string{"arn:${Partition}:es:${Region}:${Account}:domain/${DomainName}"}, true},
	} {
		if got := resourceFits(c.arn, c.formats); got != c.fits {
			t.Errorf("resourceFits(%q, %v) = %v", c.arn, c.formats, got)
		}
	}
}

var update = flag.Bool("update", false, "rewrite examples/kubernetes/policies from the command's output")

// examples/kubernetes/policies holds, per flavour, what aws-agent policy
// prints for the manifests' configuration (base/config.river) with the
// Deployment's environment, the pod's name varying per agent, and the
// flavour's trust; regenerate with go test -run TestKubernetesPolicies -update.
func TestKubernetesPoliciesAreCurrent(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AMP_WORKSPACE_ID", "ws-EXAMPLE11-2222-3333-4444-555555555555")
	t.Setenv("CLOUDWATCH_LOG_GROUP", "/aws-agent/pods")
	t.Setenv("POD_NAME", "")
	config := "../../../../examples/kubernetes/base/config.river"
	for flavour, trust := range map[string][]string{
		"irsa":         {"--trust", "irsa", "--oidc-provider", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", "--namespace", "aws-agent", "--service-account", "aws-agent"},
		"pod-identity": {"--trust", "pod-identity"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--account", "111122223333", "--vary", "POD_NAME"}, trust...)
		if err := Run(append(args, config), &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v\n%s", flavour, err, stderr.String())
		}
		file := "../../../../examples/kubernetes/policies/" + flavour + ".json"
		if *update {
			if err := os.WriteFile(file, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stdout.Bytes(), want) {
			t.Errorf("%s is not what aws-agent policy prints now:\n%s", file, stdout.String())
		}
		var out map[string]map[string]json.RawMessage
		if err := json.Unmarshal(want, &out); err != nil {
			t.Fatal(err)
		}
		for _, docs := range out {
			if !bytes.Contains(docs["identity_policy"], []byte(`log-stream:*`)) {
				t.Errorf("%s: the log stream, one per pod, is not *:\n%s", flavour, docs["identity_policy"])
			}
			if _, ok := docs["trust_policy"]; !ok {
				t.Errorf("%s: no trust policy", flavour)
			}
		}
	}
}

// Nothing to grant is never an empty or null Statement, which IAM refuses
// (MalformedPolicyDocument): no identity policy is printed for the block,
// stderr says why, and the exit status is 3 — or 2 when unknown endpoints
// are why (they are named).
func TestPolicyWithNothingToGrantPrintsNoEmptyDocument(t *testing.T) {
	for _, tc := range []struct {
		name, text, why string
		want            *exitstatus.Error
	}{
		{"nothing downstream", `aws.auth "idle" { region = "us-east-1" }`, "no downstream component sends through it", errNothingToGrant},
		{"only unknown endpoints", `aws.auth "odd" { region = "us-east-1" }
loki.write "search" {
	endpoint { url = aws.auth.odd.gateway_url + "/search-x-abc.us-east-1.es.amazonaws.com/app/_search" }
}`, "its components send only to endpoints named above", errUnknownEndpoints},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.river")
			if err := os.WriteFile(file, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err := Run([]string{"--account", "123456789012", file}, &stdout, &stderr)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want status %d", err, tc.want.Status)
			}
			if strings.Contains(stdout.String(), "null") || strings.Contains(stdout.String(), `"Statement": []`) || strings.Contains(stdout.String(), "identity_policy") {
				t.Errorf("an empty document was printed:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), "nothing to grant: "+tc.why) {
				t.Errorf("stderr %q", stderr.String())
			}
		})
	}
	if errNothingToGrant.Status != 3 || errUnknownEndpoints.Status != 2 {
		t.Fatal("the exit statuses are 2 and 3")
	}
}

// With role_arn the resources are in the role's account whatever --account
// says (it names the base identity's account: the trusted one of --trust
// account); --account is 12 digits; --account and another trusted account
// conflict, named both.
func TestPolicyAccountsWithARole(t *testing.T) {
	out, _, err := run(t, config, "--account", "111122223333", "--trust", "account")
	if err != nil {
		t.Fatal(err)
	}
	b := out["aws.auth.telemetry"]
	for _, s := range decode(t, b["identity_policy"]).Statement {
		for _, r := range s.Resource {
			if r != "*" && !strings.Contains(r, ":444455556666:") {
				t.Errorf("%v on %s: not in the role's account 444455556666", s.Action, r)
			}
		}
	}
	if p := decode(t, b["trust_policy"]).Statement[0].Principal["AWS"]; p != "arn:aws:iam::111122223333:root" {
		t.Errorf("trusted principal %s, want --account's root", p)
	}
	for _, bad := range []string{"1234", "abc", "1111222233334"} {
		if _, _, err := run(t, config, "--account", bad); err == nil || !strings.Contains(err.Error(), "want a 12-digit AWS account ID") {
			t.Errorf("--account %s: %v", bad, err)
		}
	}
	if _, _, err := run(t, config, "--account", "111122223333", "--trust", "account:777788889999"); err == nil ||
		!strings.Contains(err.Error(), "111122223333") || !strings.Contains(err.Error(), "777788889999") {
		t.Errorf("conflicting accounts: %v", err)
	}
}

// With source_identity the base identity may set it (sts:SetSourceIdentity),
// with session_tags tag the session (sts:TagSession): AssumeRole with
// either fails without the action (#34: dropping SetSourceIdentity went
// unnoticed).
func TestBasePolicyAllowsWhatTheAssumeRoleCallSends(t *testing.T) {
	text := strings.Replace(config, `session_tags = {"team" = "observability"}`, `source_identity = "aws-agent"`, 1)
	out, _, err := run(t, text)
	if err != nil {
		t.Fatal(err)
	}
	base := decode(t, out["aws.auth.telemetry"]["base_identity_policy"]).Statement[0]
	if !slices.Equal(base.Action, []string{"sts:AssumeRole", "sts:SetSourceIdentity"}) {
		t.Fatalf("base identity's actions %v, want AssumeRole and SetSourceIdentity", base.Action)
	}
}

// EKS Pod Identity's cross-account target role trusts the association's
// role, for AssumeRole and TagSession, only with the externalId EKS
// returned for the association (#32: no trust policy was written for it).
func TestTrustForAPodIdentityTargetRole(t *testing.T) {
	const source = "arn:aws:iam::111122223333:role/eks-pod-identity-agent"
	text := `aws.auth "amp" { region = "us-east-1" }
prometheus.remote_write "amp" {
	endpoint { url = aws.auth.amp.gateway_url + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write" }
}`
	out, _, err := run(t, text, "--account", "444455556666", "--trust", "pod-identity-target", "--source-role", source, "--external-id", "a1b2c3d4-assoc")
	if err != nil {
		t.Fatal(err)
	}
	st := decode(t, out["aws.auth.amp"]["trust_policy"]).Statement[0]
	if st.Principal["AWS"] != source || !slices.Equal(st.Action, []string{"sts:AssumeRole", "sts:TagSession"}) || st.Condition["StringEquals"]["sts:ExternalId"] != "a1b2c3d4-assoc" {
		t.Fatalf("trust %+v", st)
	}
	if _, _, err := run(t, text, "--trust", "pod-identity-target", "--source-role", source); err == nil || !strings.Contains(err.Error(), "--external-id") {
		t.Errorf("without the externalId: %v", err)
	}
	if _, _, err := run(t, text, "--trust", "pod-identity-target", "--source-role", "writer", "--external-id", "x"); err == nil || !strings.Contains(err.Error(), "--source-role") {
		t.Errorf("a source role that is no ARN: %v", err)
	}
}

// grant is one action on one resource that a document of a policy file
// (aws-agent policy's output) allows.
type grant struct{ component, doc, action, resource string }

// grants are every grant of every document in out, but role_arn.
func grants(t *testing.T, out map[string]map[string]json.RawMessage) []grant {
	t.Helper()
	var gs []grant
	for id, docs := range out {
		for key, raw := range docs {
			if key == "role_arn" {
				continue
			}
			for _, st := range decode(t, raw).Statement {
				for _, a := range st.Action {
					for _, r := range st.Resource {
						gs = append(gs, grant{id, key, a, r})
					}
				}
			}
		}
	}
	return gs
}
