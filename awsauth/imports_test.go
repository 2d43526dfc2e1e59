package awsauth

import (
	"os/exec"
	"strings"
	"testing"
)

// awsauth must build without Grafana Agent or River, so that its tests
// compile in seconds and other programs can use it alone.
func TestNoAgentOrRiverImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list returned too little to judge: %v", deps)
	}
	for _, pkg := range deps {
		if strings.HasPrefix(pkg, "github.com/grafana/agent") || strings.HasPrefix(pkg, "github.com/grafana/river") {
			t.Errorf("awsauth depends on %s", pkg)
		}
	}
}

// The packages import downward only, as the package documentation draws
// them (docs/architecture.md points there rather than copying it).
func TestPackagesImportDownward(t *testing.T) {
	const mod = "github.com/flow-aws-auth/flow-aws-auth/"
	allowed := map[string][]string{
		"awsauth":                {"cache", "chain", "classify", "field", "iam", "redact", "rolesanywhere", "signing", "stats"},
		"awsauth/signing":        {"classify", "scope", "sigv4", "stats"},
		"awsauth/stats":          {"classify", "scope"},
		"awsauth/cache":          {"classify"},
		"awsauth/chain":          {"classify", "field", "rolesanywhere", "scope", "source"},
		"awsauth/source":         {"field", "redact"},
		"awsauth/rolesanywhere":  {"classify", "field", "scope", "sigv4"},
		"awsauth/field":          nil,
		"awsauth/sigv4":          nil,
		"awsauth/classify":       nil,
		"awsauth/scope":          nil,
		"awsauth/redact":         nil,
		"awsauth/gateway":        {"gateway/bounds", "gateway/bulk", "operations", "redact", "scope", "signing"},
		"awsauth/gateway/bounds": nil,
		"awsauth/gateway/bulk":   nil,
		"awsauth/sigv4verify":    nil,
		"awsauth/iam":            {"field", "operations", "scope"},
		"awsauth/operations":     {"scope"},
		"awsauth/s3archive":      {"classify", "iam", "redact", "scope", "sigv4"},
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], mod)
		if strings.HasPrefix(pkg, "awsauth/awsauthtest") {
			continue
		}
		want, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in the drawing", pkg)
			continue
		}
		seen[pkg] = true
		var got []string
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, mod+"awsauth") {
				got = append(got, strings.TrimPrefix(imp, mod+"awsauth/"))
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s imports %v, the drawing says %v", pkg, got, want)
		}
	}
	if len(seen) != len(allowed) {
		t.Errorf("go list showed %d of the %d packages drawn", len(seen), len(allowed))
	}
}

// The test kit checks the engine from outside: none of its packages
// imports an engine package, so the verifier cannot share the signer's
// code, nor a fake its expectations.
func TestTestKitIsIndependent(t *testing.T) {
	const mod = "github.com/flow-aws-auth/flow-aws-auth/awsauth"
	// The verifier, sigv4verify, is the kit's too (sign --verify ships it
	// apart), and as independent.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./awsauthtest/...", "./sigv4verify").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	kit := 0
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, mod+"/awsauthtest"), pkg == mod+"/sigv4verify":
			kit++
		case pkg == mod || strings.HasPrefix(pkg, mod+"/"):
			t.Errorf("the test kit depends on %s", pkg)
		}
	}
	if kit < 5 {
		t.Fatalf("go list showed %d test kit packages, want awsauthtest, fakeaws, pki, receivers and sigv4verify", kit)
	}
}
