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

// aws-agent links no test kit: nothing of awsauth/awsauthtest, and no
// package of this module that it links imports testing or
// net/http/httptest — the demo's fakes (internal/demoaws) serve with
// pki.Serve, and the helpers tests call take an interface a *testing.T
// satisfies (#34 item 2). Grafana Agent's own packages (pkg/util, promql,
// testify, dskit's httpgrpc server) still import testing: aws-agent cannot
// be free of it, only of ours.
func TestAwsAgentLinksNoTestKit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	ours, demo := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if !strings.HasPrefix(f[0], "github.com/flow-aws-auth/flow-aws-auth/") {
			continue
		}
		ours++
		if strings.Contains(f[0], "/awsauthtest") {
			t.Errorf("aws-agent links the test kit's %s", f[0])
		}
		if strings.Contains(f[0], "/internal/demoaws/") {
			demo++
		}
		for _, imp := range f[1:] {
			if imp == "testing" || imp == "net/http/httptest" {
				t.Errorf("aws-agent links %s, which imports %s", f[0], imp)
			}
		}
	}
	if ours < 20 || demo == 0 {
		t.Fatalf("go list showed %d of this module's packages in aws-agent, %d of the demo's fakes", ours, demo)
	}
}
