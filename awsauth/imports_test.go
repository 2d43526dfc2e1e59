package awsauth

import (
	"os"
	"os/exec"
	"slices"
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

// The packages import only what the package documentation's list says
// (docs/architecture.md points there rather than copying it), and the
// list names every package.
func TestPackagesImportDownward(t *testing.T) {
	const mod = "github.com/flow-aws-auth/flow-aws-auth/"
	allowed := drawnImports(t)
	if len(allowed) < 15 {
		t.Fatalf("read %d packages from doc.go's list: %v", len(allowed), allowed)
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(f[0], mod), "awsauth/")
		if strings.HasPrefix(pkg, "awsauthtest") {
			continue
		}
		want, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s is not in doc.go's list", pkg)
			continue
		}
		seen[pkg] = true
		var got []string
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, mod+"awsauth") {
				got = append(got, strings.TrimPrefix(strings.TrimPrefix(imp, mod), "awsauth/"))
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s imports %v, doc.go's list says %v", pkg, got, want)
		}
	}
	for pkg := range allowed {
		if !seen[pkg] {
			t.Errorf("doc.go lists %s, which go list did not show", pkg)
		}
	}
}

// drawnImports reads doc.go's list: a package's line starts with its
// name (relative to awsauth; awsauth itself), a line of its imports with
// an arrow, and other lines go on a description. Each import must be
// listed below the package that imports it.
func drawnImports(t *testing.T) map[string][]string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	drawn := map[string][]string{}
	var order []string
	last := ""
	for _, line := range strings.Split(string(src), "\n") {
		text, ok := strings.CutPrefix(line, "//\t")
		if !ok {
			continue
		}
		switch fields := strings.Fields(text); {
		case strings.HasPrefix(text, "  → "):
			if last == "" || drawn[last] != nil {
				t.Fatalf("doc.go: an arrow line without a package line before it: %q", text)
			}
			drawn[last] = fields[1:]
		case !strings.HasPrefix(text, " ") && len(fields) > 0:
			last = fields[0]
			if _, dup := drawn[last]; dup {
				t.Fatalf("doc.go lists %s twice", last)
			}
			drawn[last] = nil
			order = append(order, last)
		}
	}
	for i, pkg := range order {
		for _, imp := range drawn[pkg] {
			if !slices.Contains(order[i+1:], imp) {
				t.Errorf("doc.go: %s imports %s, which is not listed below it", pkg, imp)
			}
		}
	}
	return drawn
}

// The test kit checks the engine from outside: none of its packages
// imports an engine package, so the verifier cannot share the signer's
// code, nor a fake its expectations. The demo's fake AWS, which the tests
// run too, is held to the same.
func TestTestKitIsIndependent(t *testing.T) {
	const mod = "github.com/flow-aws-auth/flow-aws-auth/awsauth"
	// The verifier, sigv4verify, is the kit's too (sign --verify ships it
	// apart), and as independent.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./awsauthtest/...", "./sigv4verify", "../internal/demoaws/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	kit := 0
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, mod+"/awsauthtest"), pkg == mod+"/sigv4verify", strings.Contains(pkg, "/internal/demoaws/"):
			kit++
		case pkg == mod || strings.HasPrefix(pkg, mod+"/"):
			t.Errorf("the test kit or the demo's fakes depend on %s", pkg)
		}
	}
	if kit < 6 {
		t.Fatalf("go list showed %d test kit packages, want awsauthtest, sigv4verify, and the demo's fakeaws, fakes3, pki and receivers", kit)
	}
}
