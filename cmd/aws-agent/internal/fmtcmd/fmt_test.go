package fmtcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const messy = "aws.auth \"x\" {\nregion=\"us-east-1\"\n   role_arn   =   \"arn:aws:iam::123456789012:role/w\"\n}\n"

const tidy = "aws.auth \"x\" {\n\tregion   = \"us-east-1\"\n\trole_arn = \"arn:aws:iam::123456789012:role/w\"\n}\n"

func TestFmtPrintsAndWrites(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.river")
	if err := os.WriteFile(file, []byte(messy), 0o640); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if err := Run([]string{file}, nil, &out, &errs); err != nil || out.String() != tidy {
		t.Fatalf("fmt FILE: %v\n%q", err, out.String())
	}
	if b, _ := os.ReadFile(file); string(b) != messy {
		t.Fatal("fmt without -w changed the file")
	}
	// -w after the file, as upstream's cobra commands accept.
	out.Reset()
	if err := Run([]string{file, "-w"}, nil, &out, &errs); err != nil || out.Len() != 0 {
		t.Fatalf("fmt FILE -w: %v %q", err, out.String())
	}
	if b, _ := os.ReadFile(file); string(b) != tidy {
		t.Fatalf("fmt -w wrote %q", b)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o640 {
		t.Fatalf("fmt -w changed the mode to %v", info.Mode().Perm())
	}
	// Standard input.
	out.Reset()
	if err := Run([]string{"-"}, strings.NewReader(messy), &out, &errs); err != nil || out.String() != tidy {
		t.Fatalf("fmt -: %v %q", err, out.String())
	}
}

func TestFmtErrorsNameTheProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.river")
	if err := os.WriteFile(bad, []byte("aws.auth \"x\" {\n  region = \n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{bad}, "bad.river:3:1"},
		{[]string{dir}, "is a directory"},
		{[]string{"-", "-w"}, "-w cannot write to standard input"},
		{nil, "fmt takes one file"},
		{[]string{filepath.Join(dir, "missing.river")}, "no such file"},
	} {
		err := Run(c.args, strings.NewReader(""), &out, &errs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.args, err, c.want)
		}
	}
	if b, _ := os.ReadFile(bad); !strings.Contains(string(b), "region = \n") {
		t.Fatal("a file that does not parse was changed")
	}
}

// A syntax error in a block holding a secret literal shows the lines around
// it with the secret as "(secret)", in the diagnostics and in the error.
func TestFmtErrorsShowNoSecret(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	const token = "a-short-session-token"
	src := "aws.auth \"x\" {\n  secret_access_key = \"" + secret + "\"\n  session_token = \"" + token + "\" region = \"x\"\n}\n"
	var out, errs bytes.Buffer
	err := Run([]string{"-"}, strings.NewReader(src), &out, &errs)
	if err == nil {
		t.Fatal("a broken file formatted")
	}
	all := errs.String() + err.Error() + out.String()
	if strings.Contains(all, secret) || strings.Contains(all, token) {
		t.Fatalf("fmt printed a secret:\n%s", all)
	}
	if !strings.Contains(errs.String(), `session_token = "(secret)"`) || !strings.Contains(errs.String(), `secret_access_key = "(secret)"`) || !strings.Contains(errs.String(), "<stdin>:3:") {
		t.Fatalf("the diagnostic lacks its place or the redacted line:\n%s", errs.String())
	}
}
