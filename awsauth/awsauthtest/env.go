package awsauthtest

import (
	"os"
	"strings"
	"time"
)

// T is what the kit's helpers need of a test (a *testing.T has it all):
// the kit does not import testing, so that aws-agent, whose demo runs the
// fakes, links none of it from this module.
type T interface {
	Helper()
	Setenv(key, value string)
	TempDir() string
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// IsolateEnv keeps the machine's AWS setup out of a test: it clears every
// AWS_* variable, points HOME at an empty folder (no ~/.aws) and disables
// IMDS. t.Setenv restores all of it afterwards.
func IsolateEnv(t T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Eventually polls cond until it holds, failing the test with what after
// within.
func Eventually(t T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
