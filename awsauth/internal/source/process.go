package source

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/redact"
)

// HelperStderr is told what a credential_process helper wrote to its
// stderr: how many bytes, and the first maxHelperStderr of them with
// secrets and control characters taken out.
type HelperStderr func(bytes int, text string)

// maxHelperStderr bounds what is kept of a helper's stderr per run.
const maxHelperStderr = 1024

// processProvider is the SDK's credential_process provider with the
// helper's stderr captured instead of written raw to the agent's (the
// SDK's builder passes its own stderr and stdin, for MFA prompts on a
// terminal, which an agent has not): a helper that prints a key when it
// fails must not put it into the log pipeline.
type processProvider struct {
	command string
	report  HelperStderr
	inner   *processcreds.Provider

	mu   sync.Mutex
	last *boundedBuffer
}

func newProcessProvider(command string, report HelperStderr) *processProvider {
	p := &processProvider{command: command, report: report}
	p.inner = processcreds.NewProviderCommand(processcreds.NewCommandBuilderFunc(p.newCommand))
	return p
}

// newCommand is the SDK's DefaultNewCommandBuilder's command, with no
// stdin and a bounded stderr.
func (p *processProvider) newCommand(ctx context.Context) (*exec.Cmd, error) {
	shell := []string{"sh", "-c"}
	if runtime.GOOS == "windows" {
		shell = []string{"cmd.exe", "/C"}
	}
	cmd := exec.CommandContext(ctx, shell[0], shell[1], p.command)
	cmd.Env = os.Environ()
	buf := &boundedBuffer{}
	cmd.Stderr = buf
	p.mu.Lock()
	p.last = buf
	p.mu.Unlock()
	return cmd, nil
}

// Retrieve runs the helper (the SDK parses its stdout) and reports its
// stderr, once the process and the copy of its output are done.
func (p *processProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := p.inner.Retrieve(ctx)
	p.mu.Lock()
	buf := p.last
	p.last = nil
	p.mu.Unlock()
	if buf != nil && buf.n > 0 && p.report != nil {
		p.report(buf.n, printable(redact.Text(string(buf.kept), creds.SecretAccessKey, creds.SessionToken)))
	}
	return creds, err
}

// usesProcessAlone reports whether the SDK resolves the profile to its
// credential_process and nothing on top (no source_profile, no role_arn,
// none of the sources the SDK prefers), so that the provider can be ours.
func usesProcessAlone(sc config.SharedConfig) bool {
	return sc.CredentialProcess != "" && sc.Source == nil && sc.RoleARN == "" && !sc.Credentials.HasKeys() &&
		sc.CredentialSource == "" && sc.WebIdentityTokenFile == "" && sc.SSOStartURL == "" &&
		sc.SSOSessionName == "" && sc.SSOAccountID == "" && sc.LoginSession == ""
}

// boundedBuffer keeps the first maxHelperStderr bytes written and counts
// them all. exec copies a helper's stderr into it from one goroutine, and
// Wait returns after the copy: Retrieve reads it after that.
type boundedBuffer struct {
	kept []byte
	n    int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.n += len(p)
	if room := maxHelperStderr - len(b.kept); room > 0 {
		b.kept = append(b.kept, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// printable is s on one line of printable characters: newlines and tabs
// become spaces, other control characters and invalid UTF-8 '?', so that
// a helper's output cannot forge log lines or terminal escapes.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "?")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return '?'
		}
		return r
	}, s))
}
