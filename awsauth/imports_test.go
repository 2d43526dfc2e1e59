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
