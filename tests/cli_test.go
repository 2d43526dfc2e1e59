package tests

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `aws-agent COMMAND -h` prints the command's flags and exits 0: asking
// for help is no failure (it exited 1 with "flag: help requested").
func TestHelpExitsZero(t *testing.T) {
	bin := sharedAgent(t)
	for _, command := range []string{"run", "demo", "fmt", "check", "policy", "sign"} {
		out, err := exec.Command(bin, command, "-h").CombinedOutput()
		if err != nil {
			t.Errorf("aws-agent %s -h: %v\n%s", command, err, out)
		}
		if !strings.Contains(string(out), "  -") || strings.Contains(string(out), "help requested") {
			t.Errorf("aws-agent %s -h prints no flags:\n%s", command, out)
		}
	}
}

// README's rows for run and demo name every flag the commands take.
func TestREADMENamesEveryFlag(t *testing.T) {
	bin := sharedAgent(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	flagName := regexp.MustCompile(`(?m)^  -([a-z][a-z0-9.-]*)`)
	for _, command := range []string{"run", "demo"} {
		row := regexp.MustCompile("(?m)^\\| `aws-agent " + command + " [^`]*`").Find(readme)
		if row == nil {
			t.Fatalf("README has no row for aws-agent %s", command)
		}
		out, _ := exec.Command(bin, command, "-h").CombinedOutput()
		flags := flagName.FindAllStringSubmatch(string(out), -1)
		if len(flags) < 3 {
			t.Fatalf("aws-agent %s -h: %d flags read:\n%s", command, len(flags), out)
		}
		for _, f := range flags {
			if strings.HasPrefix(f[1], "cluster.") {
				continue // the --cluster.* flags: docs/deploy.md#clustering
			}
			if !strings.Contains(string(row), "--"+f[1]) {
				t.Errorf("README's aws-agent %s row lacks --%s:\n%s", command, f[1], row)
			}
		}
	}
}

// A demo that did not deliver every signal by --duration exits 1 and says
// which signal and why (it exited 1 silently). One second is too short
// for remote_write, which reads its WAL every 15 s.
func TestAFailingDemoSaysWhy(t *testing.T) {
	isolateEnv(t)
	bin := sharedAgent(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "demo", "--duration", "1s", "--grace", "1s", "--server.http.listen-addr", freeAddr(t)).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("a one-second demo: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`aws-agent: the demo did not deliver every signal after --duration 1s and --grace 1s: .*metrics: nothing delivered`).Match(out) {
		t.Fatalf("the demo does not say what was not delivered:\n%s", out)
	}
}
