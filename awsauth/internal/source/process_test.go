package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// A credential_process helper's stderr never reaches the agent's stderr:
// it is counted, cut, stripped of control characters and secrets, and
// handed to HelperStderr — whether the helper succeeds or fails.
func TestCredentialProcessStderrIsCapturedAndRedacted(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	const leaked = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	dir := t.TempDir()
	helper := filepath.Join(dir, "helper.sh")
	script := "#!/bin/sh\n" +
		"printf 'refreshing with key " + leaked + "\\n\\033[31mred\\033[0m\\n' >&2\n" +
		"head -c 5000 /dev/zero | tr '\\0' 'x' >&2\n" +
		"if [ \"$1\" = fail ]; then exit 1; fi\n" +
		"printf '{\"Version\":1,\"AccessKeyId\":\"AKIAPROCESSEXAMPLE01\",\"SecretAccessKey\":\"from-process-secret\"}'\n"
	if err := os.WriteFile(helper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	configFile := filepath.Join(dir, "config")
	if err := os.WriteFile(configFile, []byte("[profile ok]\ncredential_process = "+helper+"\n\n[profile broken]\ncredential_process = "+helper+" fail\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stderrLen := len("refreshing with key "+leaked+"\n\x1b[31mred\x1b[0m\n") + 5000

	for _, profile := range []string{"ok", "broken"} {
		t.Run(profile, func(t *testing.T) {
			var gotN int
			var gotText string
			calls := 0
			p := NewSharedProfile(config.EnvConfig{}, profile, []string{filepath.Join(dir, "credentials")}, []string{configFile})
			p.HelperStderr = func(n int, text string) { calls, gotN, gotText = calls+1, n, text }
			prov, skip, err := p.Provider(context.Background(), nil, "us-east-1")
			if err != nil || skip != "" {
				t.Fatalf("provider: %v %q", err, skip)
			}
			creds, err := prov.Retrieve(context.Background())
			if profile == "ok" && (err != nil || creds.AccessKeyID != "AKIAPROCESSEXAMPLE01") {
				t.Fatalf("retrieve: %+v %v", creds, err)
			}
			if profile == "broken" && err == nil {
				t.Fatal("a helper that exits 1 gave credentials")
			}
			if calls != 1 || gotN != stderrLen {
				t.Fatalf("reported %d times, %d bytes; want once, %d bytes", calls, gotN, stderrLen)
			}
			if strings.Contains(gotText, leaked) || !strings.Contains(gotText, "refreshing with key (secret)") {
				t.Errorf("the key is not redacted: %q", gotText)
			}
			if strings.ContainsAny(gotText, "\n\x1b") {
				t.Errorf("control characters kept: %q", gotText)
			}
			if len(gotText) > maxHelperStderr {
				t.Errorf("%d bytes kept, more than %d", len(gotText), maxHelperStderr)
			}
		})
	}
}
