package tests

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// demoAgent is `aws-agent run examples/demo.river` against a fake AWS.
type demoAgent struct {
	base    string // http://ADDR of the agent
	otlp    string // its OTLP/HTTP receiver's address
	logFile string // the file loki.source.file tails
	aws     *receivers.FakeAWS
	out     *awsauthtest.SyncBuffer
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited; cmd.ProcessState says how
}

// startDemoAgent runs the shared aws-agent binary on examples/demo.river
// with flags (after the configuration, the others before it), and stops
// it when the test ends.
func startDemoAgent(t *testing.T, flags ...string) *demoAgent {
	t.Helper()
	return startAgentOn(t, "../examples/demo.river", flags...)
}

// startAgentOn is startDemoAgent on another configuration that reads the
// demo's environment (DEMO_*).
func startAgentOn(t *testing.T, config string, flags ...string) *demoAgent {
	t.Helper()
	return startAgentWith(t, config, nil, flags...)
}

// startAgentWith is startAgentOn with the fake AWS set up by setup before
// the agent starts (nil: as it comes).
func startAgentWith(t *testing.T, config string, setup func(*receivers.FakeAWS), flags ...string) *demoAgent {
	t.Helper()
	isolateEnv(t)
	bin := sharedAgent(t)
	aws := receivers.StartDemoAWS()
	t.Cleanup(aws.Close)
	if setup != nil {
		setup(aws)
	}

	dir := t.TempDir()
	d := &demoAgent{logFile: filepath.Join(dir, "app.log"), aws: aws, out: &awsauthtest.SyncBuffer{}, exited: make(chan struct{})}
	if err := os.WriteFile(d.logFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	d.base, d.otlp = "http://"+addr, freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	// Flags before and after the configuration, as upstream's run takes them.
	args := append([]string{"run", "--server.http.listen-addr", addr, "--storage.path", filepath.Join(dir, "data"), config}, flags...)
	agent := exec.CommandContext(ctx, bin, args...)
	agent.Env = append(os.Environ(), receivers.DemoEnv{
		AccessKeyID: receivers.DemoAccessKeyID, SecretAccessKey: receivers.DemoSecretAccessKey,
		STSEndpoint: aws.STSURL, ProxyURL: aws.Proxy.URL, CAPEM: aws.Server.CAPEM,
		LogFile: d.logFile, OTLPListen: d.otlp,
	}.Vars()...)
	agent.Stdout, agent.Stderr = d.out, d.out
	if err := agent.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	d.cmd = agent
	go func() { _ = agent.Wait(); close(d.exited) }()
	t.Cleanup(func() {
		defer cancel()
		_ = agent.Process.Signal(os.Interrupt)
		select {
		case <-d.exited:
		case <-time.After(30 * time.Second):
			_ = agent.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("agent output:\n%s", d.out.Bytes())
		}
	})
	eventually(t, 30*time.Second, "the agent serves its API", func() bool {
		resp, err := http.Get(d.base + "/api/v0/web/components/aws.auth.demo")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return d
}

// sendLogRecord hands the agent's OTLP receiver one log record whose
// body is text.
func (d *demoAgent) sendLogRecord(t *testing.T, text string) {
	t.Helper()
	logs := plog.NewLogs()
	logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr(text)
	body, _ := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	eventually(t, 30*time.Second, "the OTLP receiver takes a log record", func() bool {
		resp, err := http.Post("http://"+d.otlp+"/v1/logs", "application/x-protobuf", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

// postSpan hands the agent's OTLP receiver one span named name, once, and
// says whether it took it.
func (d *demoAgent) postSpan(t *testing.T, name string) bool {
	t.Helper()
	traces := ptrace.NewTraces()
	traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName(name)
	body, _ := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
	resp, err := http.Post("http://"+d.otlp+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// sendSpan hands the agent's OTLP receiver one span named name.
func (d *demoAgent) sendSpan(t *testing.T, name string) {
	t.Helper()
	traces := ptrace.NewTraces()
	traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName(name)
	body, _ := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
	eventually(t, 30*time.Second, "the OTLP receiver takes a span", func() bool {
		resp, err := http.Post("http://"+d.otlp+"/v1/traces", "application/x-protobuf", bytes.NewReader(body))
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}
