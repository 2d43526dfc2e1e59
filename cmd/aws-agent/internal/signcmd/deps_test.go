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
