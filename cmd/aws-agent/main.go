// Command aws-agent is Grafana Agent Flow v0.40.3 with every upstream
// component plus aws.auth.
//
//	aws-agent run CONFIG.river   run an agent
package main

import (
	"fmt"
	"os"

	_ "github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
	_ "github.com/grafana/agent/component/all"
)

const usage = `aws-agent: Grafana Agent Flow with aws.auth

Usage:
  aws-agent run [flags] CONFIG.river   run an agent on a configuration

Run "aws-agent run -h" for its flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCommand(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "aws-agent: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "aws-agent:", err)
		os.Exit(1)
	}
}
