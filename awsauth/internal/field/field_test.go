package field

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrorNamesTheArgumentAndItsBlock(t *testing.T) {
	if got := Errorf("role_arn", "must be set").Error(); got != "role_arn: must be set" {
		t.Errorf("%q", got)
	}
	if got := BadRoleARN("role_arn", "x").In("roles_anywhere").Error(); got != `roles_anywhere: role_arn: "x" is not an IAM role ARN (like arn:aws:iam::123456789012:role/NAME)` {
		t.Errorf("%q", got)
	}
	if got := BadRegion("AWS_REGION", "Mars").Error(); got != `AWS_REGION: "Mars" is not an AWS region name (like us-east-1)` {
		t.Errorf("%q", got)
	}
}

func TestShapes(t *testing.T) {
	for v, want := range map[string]bool{
		"arn:aws:iam::123456789012:role/agent":            true,
		"arn:aws-us-gov:iam::123456789012:role/a/b/agent": true,
		"arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g": true,
		"arn:aws:iam::123456789012:user/agent":            false,
		"arn:aws:iam::12345678901:role/agent":             false,
		"arn:aws:iam::123456789012:role/":                 false,
		"arn:aws:iam::123456789012:role/a b":              false,
	} {
		if IsRoleARN(v) != want {
			t.Errorf("IsRoleARN(%q) = %v", v, !want)
		}
	}
	for v, want := range map[string]bool{
		"ab":                    true,
		"agent@host-7.example":  true,
		"a":                     false,
		strings.Repeat("a", 64): true,
		strings.Repeat("a", 65): false,
		"has space":             false,
		"slash/":                false,
	} {
		if IsSessionName(v) != want {
			t.Errorf("IsSessionName(%q) = %v", v, !want)
		}
	}
}

func TestPathDropsTheOperation(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "token")
	_, err := os.ReadFile(missing)
	got := Path(err)
	if got.Error() != missing+": no such file or directory" || !errors.Is(got, fs.ErrNotExist) {
		t.Fatalf("%v", got)
	}
	other := errors.New("plain")
	if Path(other) != other {
		t.Fatal("an error that is not a path error changed")
	}
}

func TestSessionNameFromAnyText(t *testing.T) {
	for in, want := range map[string]string{
		"flow-aws-auth-ip-10-0-0-1.ec2.internal":   "flow-aws-auth-ip-10-0-0-1.ec2.internal",
		"flow-aws-auth-my host/ünï":                "flow-aws-auth-my-host--n-", // one "-" per character
		"flow-aws-auth-" + strings.Repeat("h", 80): "flow-aws-auth-" + strings.Repeat("h", 50),
	} {
		got := SessionName(in)
		if got != want || !IsSessionName(got) {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}
