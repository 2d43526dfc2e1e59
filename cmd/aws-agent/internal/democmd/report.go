package democmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	authcomponent "github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
	"github.com/grafana/agent/component"
)

type reporter struct {
	aws   *receivers.FakeAWS
	agent *agentrun.Agent
	out   io.Writer
	ui    string
}

// report prints one line per signal and one for the credentials. It says
// whether every signal delivered something and nothing was rejected.
func (r *reporter) report() (problems []string) {
	info, err := r.agent.Flow.GetComponent(component.ParseID("aws.auth.demo"), component.InfoOptions{GetHealth: true, GetDebugInfo: true})
	var debug authcomponent.DebugInfo
	if err == nil {
		debug, _ = info.DebugInfo.(authcomponent.DebugInfo)
	}
	signals := []struct {
		name, service string
		endpoint      *fakeaws.Endpoint
		what          string
		received      int
	}{
		{"metrics", "aps", r.aws.AMP.Endpoint, "samples", r.aws.AMP.Samples()},
		{"logs (Loki)", "execute-api", r.aws.Loki.Endpoint, "lines", r.aws.Loki.LineCount()},
		{"traces", "xray", r.aws.XRay.Endpoint, "spans", r.aws.XRay.SpanCount()},
		{"logs (OTLP)", "logs", r.aws.Logs.Endpoint, "records", r.aws.Logs.RecordCount()},
	}
	for _, s := range signals {
		accepted, rejected := s.endpoint.Counts()
		nRejected := 0
		var codes []string
		for code, n := range rejected {
			nRejected += n
			codes = append(codes, fmt.Sprintf("%s=%d", code, n))
		}
		fmt.Fprintf(r.out, "%-12s %-12s signed %-5d accepted %-5d rejected %-3d %s %d %s\n",
			s.name, s.service, debug.SignedRequests[s.service], accepted, nRejected, s.what, s.received, strings.Join(codes, " "))
		switch {
		case nRejected > 0:
			problems = append(problems, fmt.Sprintf("%s: %d requests rejected (%s)", s.name, nRejected, strings.Join(codes, " ")))
		case s.received == 0:
			problems = append(problems, fmt.Sprintf("%s: nothing delivered", s.name))
		}
	}
	objects, bytes := r.aws.S3.Stored()
	var codes []string
	nRejected := 0
	for code, n := range r.aws.S3.Rejected() {
		nRejected += n
		codes = append(codes, fmt.Sprintf("%s=%d", code, n))
	}
	fmt.Fprintf(r.out, "%-12s %-12s signed %-5d accepted %-5d rejected %-3d objects %d bytes %d %s\n",
		"archive (S3)", "s3", debug.SignedRequests["s3"], objects, nRejected, objects, bytes, strings.Join(codes, " "))
	switch {
	case nRejected > 0:
		problems = append(problems, fmt.Sprintf("archive (S3): %d requests rejected (%s)", nRejected, strings.Join(codes, " ")))
	case objects == 0:
		problems = append(problems, "archive (S3): nothing delivered")
	}
	if err == nil {
		fmt.Fprintf(r.out, "%-12s %s: %s; UI %s/component/aws.auth.demo\n", "credentials", info.Health.Health, info.Health.Message, r.ui)
	}
	return problems
}
