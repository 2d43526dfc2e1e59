// Package checkcmd is `aws-agent check`: it resolves the credentials of an
// aws.auth block exactly as the component would, calls
// sts:GetCallerIdentity, and prints what it found or why it failed.
package checkcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/cache"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/iam"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/redact"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/riverfile"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
	"github.com/grafana/river/ast"
	"github.com/grafana/river/vm"
)

const usage = `aws-agent check: resolve the credentials of aws.auth blocks as the component would.

  aws-agent check --config FILE.river [--component aws.auth.LABEL]
  aws-agent check FILE.river [aws.auth.LABEL]

Flags:
`

// errFailed is returned when a check failed; the diagnosis is printed.
var errFailed = exitstatus.New(1, "check failed")

// Run is `aws-agent check`.
func Run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	configFile := fs.String("config", "", "the River configuration")
	only := fs.String("component", "", "check only this component, e.g. aws.auth.amp")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if *configFile == "" && len(rest) > 0 {
		*configFile, rest = rest[0], rest[1:]
	}
	if *only == "" && len(rest) > 0 {
		*only, rest = rest[0], rest[1:]
	}
	if *configFile == "" || len(rest) > 0 {
		fs.Usage()
		return errors.New("check takes one configuration file and at most one component")
	}
	file, err := riverfile.Read(*configFile)
	if err != nil {
		return err
	}
	failed, found := false, false
	for _, stmt := range file.Body {
		block, ok := stmt.(*ast.BlockStmt)
		if !ok || strings.Join(block.Name, ".") != "aws.auth" {
			continue
		}
		id := "aws.auth." + block.Label
		if *only != "" && *only != id {
			continue
		}
		found = true
		if !check(id, block, stdout) {
			failed = true
		}
	}
	if !found {
		if *only != "" {
			return fmt.Errorf("no %s in %s", *only, *configFile)
		}
		return fmt.Errorf("no aws.auth block in %s", *configFile)
	}
	if failed {
		return errFailed
	}
	return nil
}

// check evaluates one block and resolves its credentials; it reports
// whether all went well.
func check(id string, block *ast.BlockStmt, out io.Writer) bool {
	fmt.Fprintln(out, id)
	fail := func(format string, args ...any) bool {
		fmt.Fprintf(out, "  FAILED: "+format+"\n", args...)
		return false
	}
	var args awsriver.Arguments
	if err := vm.New(block.Body).Evaluate(nil, &args); err != nil {
		return fail("%v (check evaluates aws.auth on its own: references to other components cannot be resolved)", err)
	}
	cfg, _, err := args.Convert()
	if err != nil {
		return fail("%v", err)
	}
	ch, err := chain.New(cfg.Credentials)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(out, "  region:     %s\n", ch.Region())
	if expired := tokenClaims(args.WebIdentityTokenFile, out); expired != "" {
		return fail("%s", expired)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// A source's error may quote a secret (a credential helper's output).
	secrets := []string{cfg.Credentials.SecretAccessKey, cfg.Credentials.SessionToken}
	creds, err := ch.Retrieve(ctx)
	if err != nil {
		return fail("%s", redact.Text(diagnose(err), secrets...))
	}
	fmt.Fprintf(out, "  source:     %s\n", creds.Source)
	if cert := ch.Certificate(); cert != nil {
		if now := time.Now(); cert.DueForRenewal(now) {
			fmt.Fprintf(out, "  WARNING:    the certificate expires in %s: renew it, Roles Anywhere refuses an expired one\n", cert.NotAfter.Sub(now).Round(time.Minute))
		}
	}
	fmt.Fprintf(out, "  access key: %s\n", cache.MaskKeyID(creds.AccessKeyID))
	if creds.CanExpire && !creds.Expires.After(time.Now()) {
		return fail("ExpiredToken: the credentials from %s expired at %s, %s ago: the source hands out expired credentials — rotate the keys it reads, or fix what writes them (a credential_process, a sidecar, an SSO cache: aws sso login); see docs/troubleshooting.md#expiredtoken",
			creds.Source, creds.Expires.UTC().Format(time.RFC3339), time.Since(creds.Expires).Round(time.Second))
	}
	if creds.CanExpire {
		fmt.Fprintf(out, "  expires:    %s (in %s)\n", creds.Expires.UTC().Format(time.RFC3339), time.Until(creds.Expires).Round(time.Second))
	} else {
		fmt.Fprintln(out, "  expires:    never")
	}
	ident, err := ch.Identify(ctx, creds)
	if err != nil {
		return fail("sts:GetCallerIdentity: %s", redact.Text(diagnose(err), append(secrets, creds.SecretAccessKey, creds.SessionToken)...))
	}
	fmt.Fprintf(out, "  identity:   %s\n  account:    %s\n  OK\n", ident.ARN, ident.AccountID)
	return true
}

// tokenClaims prints what a web identity token says about its subject,
// against what an IRSA trust policy requires of it: a role that does not
// trust exactly this sub and aud answers AccessDenied, which says neither.
// It returns why the token cannot work when its exp has passed.
func tokenClaims(file string, out io.Writer) (expired string) {
	if file == "" {
		file = os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	if file == "" {
		return
	}
	f, err := os.Open(file)
	if err != nil {
		return "" // the chain says why it cannot read it
	}
	defer f.Close()
	token, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return ""
	}
	c, err := iam.ReadToken(token)
	if err != nil {
		fmt.Fprintf(out, "  WARNING:    %v\n", err)
		return ""
	}
	fmt.Fprintf(out, "  token:      sub %s, aud %s, iss %s\n", c.Subject, strings.Join(c.Audience, ","), c.Issuer)
	for _, n := range c.IRSANotes() {
		fmt.Fprintf(out, "  WARNING:    %s\n", n)
	}
	if ns, sa, ok := c.ServiceAccount(); ok {
		fmt.Fprintf(out, "  trust:      the role must trust exactly this sub and aud: aws-agent policy --trust irsa --oidc-provider %s --namespace %s --service-account %s CONFIG.river\n",
			strings.TrimPrefix(c.Issuer, "https://"), ns, sa)
	}
	if !c.Expires.IsZero() && !c.Expires.After(time.Now()) {
		return fmt.Sprintf("ExpiredTokenException: the web identity token in %s expired at %s, %s ago (its exp claim): STS refuses it — whatever writes the file (the kubelet's projected token, a sidecar) has stopped refreshing it; see docs/troubleshooting.md#expiredtoken",
			file, c.Expires.UTC().Format(time.RFC3339), time.Since(c.Expires).Round(time.Second))
	}
	return ""
}

// diagnose spells an error out, one source a line for NoCredentialProviders.
func diagnose(err error) string {
	var none *chain.NoCredentialsError
	if errors.As(err, &none) {
		var b strings.Builder
		b.WriteString(chain.NoCredentialsHeadline + ":")
		for _, a := range none.Attempts {
			fmt.Fprintf(&b, "\n    %-13s %s", a.Source+":", a.Reason)
		}
		b.WriteString("\n  next: " + chain.NoCredentialsNextStep)
		return b.String()
	}
	return awsauth.WithMissing(err.Error())
}
