// Command aws-agent is Grafana Agent Flow v0.40.3 with every upstream
// component plus aws.auth.
//
//	aws-agent demo               an agent against a fake AWS on loopback
//	aws-agent run CONFIG.river   run an agent
//	aws-agent fmt [-w] FILE      format River
//	aws-agent check FILE.river   resolve an aws.auth block's credentials
//	aws-agent policy FILE.river  the IAM policies each aws.auth identity needs
//	aws-agent sign < REQUEST     sign or verify a raw HTTP request
//	aws-agent version            what this binary is: version, commit, Go
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/checkcmd"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/democmd"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/fmtcmd"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/policycmd"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/runcmd"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/signcmd"
	_ "github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
	_ "github.com/flow-aws-auth/flow-aws-auth/component/otelcol/exporter/awss3"
	_ "github.com/grafana/agent/component/all"
)

const usage = `aws-agent: Grafana Agent Flow with aws.auth

Usage:
  aws-agent demo [--duration D]        run an agent against a fake AWS on loopback and report what arrives
  aws-agent run [flags] CONFIG.river   run an agent on a configuration (flags before or after it)
  aws-agent fmt [-w] FILE.river        format River, to standard output or in place with -w ("-": standard input)
  aws-agent check --config FILE.river [--component aws.auth.LABEL]
                                       resolve credentials as aws.auth would, and say who they are or why not
  aws-agent policy [flags] CONFIG.river
                                       the IAM policies each aws.auth identity needs: the actions its
                                       components send, on the resources they name (JSON)
  aws-agent sign [flags] < REQUEST     sign a raw HTTP request, or --verify one: the SignatureDoesNotMatch debugger
  aws-agent version                    the module version, the commit it was built from, Go's and the agent's versions

Run "aws-agent COMMAND -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runcmd.Run(os.Args[2:], os.Stderr)
	case "fmt":
		err = fmtcmd.Run(os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
	case "demo":
		err = democmd.Run(os.Args[2:], os.Stdout, os.Stderr)
	case "check":
		err = checkcmd.Run(os.Args[2:], os.Stdout, os.Stderr)
	case "policy":
		err = policycmd.Run(os.Args[2:], os.Stdout, os.Stderr)
	case "sign":
		err = signcmd.Run(os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
	case "version", "--version":
		fmt.Print(agentrun.ReadBuildInfo())
		return
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "aws-agent: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return // "COMMAND -h": the flags are printed; asking is no failure
	}
	var printed *exitstatus.Error
	if errors.As(err, &printed) {
		os.Exit(printed.Status) // the diagnosis is printed
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "aws-agent:", err)
		os.Exit(1)
	}
}
