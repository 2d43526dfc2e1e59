package auth

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway"
)

// README's refusal table lists exactly the reasons the gateway answers
// with, and its reference rows the default and never-signed services as
// the gateway package holds them: the sets are written once, in code.
func TestGatewayTablesAreDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(readme)

	// Reasons in code: every refusal{STATUS, "reason", ...} of the gateway.
	files, _ := filepath.Glob("../../../awsauth/gateway/*.go")
	inCode := map[string]bool{}
	literal := regexp.MustCompile(`refusal\{http\.Status\w+, "([a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			inCode[m[1]] = true
		}
	}
	_, table, _ := strings.Cut(doc, "| Status | Reason | When |\n")
	table, _, _ = strings.Cut(table, "\n\n")
	documented := map[string]bool{}
	row := regexp.MustCompile("^\\| \\d{3} \\| `([a-z_]+)` \\|")
	for _, line := range strings.Split(table, "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			documented[m[1]] = true
		}
	}
	if len(inCode) < 15 {
		t.Fatalf("found only %d refusal reasons in the code: %v", len(inCode), inCode)
	}
	sameAsDocumented(t, "refusal table", inCode, documented)

	// The services row's default and its never-signed list.
	_, services, _ := strings.Cut(doc, "| `services` | `list(string)` | `")
	services, rest, _ := strings.Cut(services, "`")
	if want := `["` + strings.Join(gateway.DefaultServices, `", "`) + `"]`; services != want {
		t.Errorf("README's services default %s, the code's %s", services, want)
	}
	rest, _, _ = strings.Cut(rest, "\n")
	listed := regexp.MustCompile("`([a-z-]+)`").FindAllStringSubmatch(rest[strings.Index(rest, "|"):], -1)
	var never []string
	for _, m := range listed {
		never = append(never, m[1])
	}
	if !slices.Equal(never, gateway.ForbiddenServices) {
		t.Errorf("README's never-signed services %v, the code's %v", never, gateway.ForbiddenServices)
	}
}
