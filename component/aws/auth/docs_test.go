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

// The gateway page's refusal table lists exactly the reasons the gateway
// answers with, and the reference's services row the never-signed
// services as the gateway package holds them (its default is held by
// TestReferenceIsTheCode): the sets are written once, in code.
func TestGatewayTablesAreDocumented(t *testing.T) {
	doc := readDoc(t, "../../../docs/gateway.md")

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

	// The services row's never-signed list, in its description.
	var description string
	for _, row := range docTable(t, readDoc(t, referencePage), "### gateway block") {
		if row[0] == "`services`" {
			description = row[2]
		}
	}
	listed, _, ok := strings.Cut(description, " are refused always")
	if !ok {
		t.Fatalf("the reference's services row does not say which services are refused always: %q", description)
	}
	listed = listed[strings.LastIndex(listed, ". ")+2:]
	var never []string
	for _, m := range regexp.MustCompile("`([a-z-]+)`").FindAllStringSubmatch(listed, -1) {
		never = append(never, m[1])
	}
	if !slices.Equal(never, gateway.ForbiddenServices) {
		t.Errorf("the reference's never-signed services %v, the code's %v", never, gateway.ForbiddenServices)
	}
}
