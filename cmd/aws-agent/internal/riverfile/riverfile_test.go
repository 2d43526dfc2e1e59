package riverfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.river")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Two blocks of one ID are refused naming both places, as run refuses
// them; a syntax error names its place and quotes no secret literal.
func TestReadRefusesWhatRunRefuses(t *testing.T) {
	dup := write(t, "aws.auth \"a\" { region = \"us-east-1\" }\n\naws.auth \"a\" { region = \"eu-west-1\" }\n")
	if _, err := Read(dup); err == nil || !strings.Contains(err.Error(), "config.river:3:1: block aws.auth.a already declared at") || !strings.Contains(err.Error(), "config.river:1:1") {
		t.Fatalf("duplicate: %v", err)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	broken := write(t, "aws.auth \"a\" {\n\tsecret_access_key = \""+secret+"\" region = \"x\"\n}\n")
	if _, err := Read(broken); err == nil || !strings.Contains(err.Error(), "config.river:2:") || strings.Contains(err.Error(), secret) {
		t.Fatalf("syntax error: %v", err)
	}
	ok := write(t, "aws.auth \"a\" { region = \"us-east-1\" }\naws.auth \"b\" { region = \"us-east-1\" }\n")
	if f, err := Read(ok); err != nil || len(f.Body) != 2 {
		t.Fatalf("two blocks: %v", err)
	}
}
