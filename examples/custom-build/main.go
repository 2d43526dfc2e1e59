// Command custom-build shows a custom Grafana Agent build with aws.auth:
// the blank import of component/aws/auth registers the component, next to
// whichever upstream components the build wants (here, only what the AMP
// example needs, which keeps the binary small).
//
//	go run ./examples/custom-build examples/amp-irsa.river
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/grafana/agent/pkg/flow"

	_ "github.com/flow-aws-auth/flow-aws-auth/component/aws/auth" // aws.auth
	_ "github.com/grafana/agent/component/prometheus/exporter/self"
	_ "github.com/grafana/agent/component/prometheus/remotewrite"
	_ "github.com/grafana/agent/component/prometheus/scrape"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: custom-build CONFIG.river")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	agent, err := agentrun.Start(ctx, agentrun.Options{
		StoragePath: "data-agent/",
		Load:        func() (*flow.Source, error) { return agentrun.SourceFromFile(os.Args[1]) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer agent.Stop()
	<-ctx.Done()
}
