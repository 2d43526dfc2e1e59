package riverdiag

import (
	"bytes"
	"strings"
	"testing"

	_ "github.com/grafana/agent/component/prometheus/remotewrite" // registers prometheus.remote_write, whose basic_auth has a password
	"github.com/grafana/river/diag"
	"github.com/grafana/river/parser"
	"github.com/grafana/river/token"
)

const (
	secretKey  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sessionTok = "short-token-value"
	password   = "hunter2-but-longer"
)

func TestSecretNamesAreTheSecretTypedAttributes(t *testing.T) {
	names := secretNames()
	for _, n := range []string{"secret_access_key", "session_token", "key_pem", "password", "bearer_token"} {
		if !names[n] {
			t.Errorf("%s is not among the secret names", n)
		}
	}
	for _, n := range []string{"access_key_id", "region", "role_arn", "external_id", "profile"} {
		if names[n] {
			t.Errorf("%s is counted a secret: its type is a plain string", n)
		}
	}
}

func TestRedactReplacesEverySecretLiteral(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		kept      []string // what must still be there
	}{
		{"attribute", `aws.auth "a" {
	access_key_id     = "AKIAEXAMPLE"
	secret_access_key = "` + secretKey + `"
	session_token     = "` + sessionTok + `"
	role_arn          = "not an arn"
}`, []string{`role_arn          = "not an arn"`, `access_key_id     = "AKIAEXAMPLE"`}},
		{"does not parse", `aws.auth "a" {
	secret_access_key = "` + secretKey + `"
	session_token = "` + sessionTok + `"
	region = 
`, []string{`region = `}},
		{"raw string and concatenation", "aws.auth \"a\" {\n\tsession_token = `" + sessionTok + "` + \"" + password + "\"\n\tregion = \"us-east-1\"\n}", []string{`region = "us-east-1"`}},
		{"object of secrets", `thing "a" {
	session_token = {
		a = "` + sessionTok + `",
		b = ["` + password + `"],
	}
	region = "eu-west-1"
}`, []string{`region = "eu-west-1"`}},
		{"expression", `aws.auth "a" { secret_access_key = env("` + sessionTok + `"), region = "` + password + `" }`, []string{`region = "` + password + `"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Redact(map[string][]byte{"f.river": []byte(tc.src)})
			out := string(r.Files["f.river"])
			for _, s := range []string{secretKey, sessionTok} {
				if strings.Contains(out, s) {
					t.Errorf("a secret is still there:\n%s", out)
				}
			}
			if tc.name != "expression" && strings.Contains(out, password) {
				t.Errorf("a secret is still there:\n%s", out)
			}
			if !strings.Contains(out, marker) {
				t.Errorf("no %s marker:\n%s", marker, out)
			}
			for _, k := range tc.kept {
				if !strings.Contains(out, k) {
					t.Errorf("%q was redacted too:\n%s", k, out)
				}
			}
			if got := r.Text("quoting " + sessionTok + " and " + secretKey); strings.Contains(got, sessionTok) || strings.Contains(got, secretKey) {
				t.Errorf("Text leaves a literal it found: %s", got)
			}
		})
	}
}

func TestFprintPrintsTheDiagnosticWithoutTheSecret(t *testing.T) {
	src := []byte("aws.auth \"a\" {\n\tsecret_access_key = \"" + secretKey + "\" region = \"x\"\n}\n")
	_, err := parser.ParseFile("f.river", src)
	if err == nil {
		t.Fatal("the broken file parsed")
	}
	var out bytes.Buffer
	text, printed := Redact(map[string][]byte{"f.river": src}).Fprint(&out, err)
	if !printed {
		t.Fatalf("no diagnostics printed for %v", err)
	}
	if strings.Contains(out.String(), secretKey) || strings.Contains(text, secretKey) {
		t.Fatalf("the secret is printed:\n%s\n%s", out.String(), text)
	}
	if !strings.Contains(out.String(), "f.river:2:") || !strings.Contains(out.String(), `secret_access_key = "(secret)"`) {
		t.Fatalf("the diagnostic lacks its place or its line:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "expected TERMINATOR") || !strings.Contains(text, "f.river:2:") {
		t.Fatalf("the diagnostic lost its message: %q\n%s", text, out.String())
	}
}

// A component's build error, which the controller places on the whole
// block, is printed at the argument it names — nested in a block too — so
// the printer shows that line, not the block's 1:1.
func TestDiagnosticsPointAtTheField(t *testing.T) {
	src := []byte("aws.auth \"a\" {\n\tregion = \"us-east-1\"\n\trole_arn = \"not-an-arn\"\n\tgateway {\n\t\tclient_hosts = [\"http://x\"]\n\t}\n}\n")
	block := func(msg string) diag.Diagnostics {
		return diag.Diagnostics{{Severity: diag.SeverityLevelError,
			StartPos: token.Position{Filename: "f.river", Offset: 0, Line: 1, Column: 1},
			EndPos:   token.Position{Filename: "f.river", Offset: len(src) - 2, Line: 7, Column: 1},
			Message:  "Failed to build component: decoding River: " + msg}}
	}
	for msg, line := range map[string]string{
		`role_arn: "not-an-arn" is not an IAM role ARN`:                        "f.river:3:2",
		`gateway: client_hosts: "http://x" is not a host name`:                 "f.river:5:3",
		`gateway: something the block lacks`:                                   "f.river:4:2",
		`external_id: requires role_arn (an argument the block does not have)`: "f.river:1:1",
	} {
		var out bytes.Buffer
		text, printed := Redact(map[string][]byte{"f.river": src}).Fprint(&out, block(msg))
		if !printed || !strings.HasPrefix(text, line+":") {
			t.Errorf("%s: %q, want it at %s\n%s", msg, text, line, out.String())
		}
	}
}
