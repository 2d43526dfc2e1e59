package signcmd

import (
	"os/exec"
	"strings"
	"testing"
)

// sign --verify ships the verifier of package sigv4verify, not the test
// kit: nothing of awsauth/awsauthtest (fakes, keyrings of test users,
// environment helpers) is linked for it (#34 item 2: it was).
func TestSignShipsNoTestKit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	verifier := false
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/awsauth/awsauthtest") {
			t.Errorf("sign links the test kit's %s", pkg)
		}
		verifier = verifier || strings.HasSuffix(pkg, "/awsauth/sigv4verify")
	}
	if !verifier {
		t.Fatal("sign does not link sigv4verify: what does --verify check with?")
	}
}

// No package of this module that aws-agent links imports testing: the
// test kit's helpers take an interface a *testing.T satisfies instead (#34
// item 2). (Grafana Agent's own packages and net/http/httptest, which the
// demo's fakes serve with, still bring testing in.)
func TestAwsAgentLinksNoTestingOfOurs(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	ours := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if !strings.HasPrefix(f[0], "github.com/flow-aws-auth/flow-aws-auth/") {
			continue
		}
		ours++
		for _, imp := range f[1:] {
			if imp == "testing" {
				t.Errorf("aws-agent links %s, which imports testing", f[0])
			}
		}
	}
	if ours < 20 {
		t.Fatalf("go list showed %d of this module's packages in aws-agent", ours)
	}
}
