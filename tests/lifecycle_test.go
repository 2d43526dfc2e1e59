package tests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

// An address another process holds, or one that is no address, fails the
// start: the cause and the address on stderr, exit status 1, within
// seconds — not an agent without a server whose gateway_url points at the
// other process.
func TestStartFailsOnAnAddressItCannotHold(t *testing.T) {
	isolateEnv(t)
	bin := sharedAgent(t)
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	config := filepath.Join(t.TempDir(), "config.river")
	if err := os.WriteFile(config, []byte("aws.auth \"a\" {\n\tregion = \"us-east-1\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr, want string
	}{
		{held.Addr().String(), "address already in use"},
		{"nope", "missing port in address"},
		{"127.0.0.1:99999", "invalid port"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "run", "--server.http.listen-addr", tc.addr, "--storage.path", t.TempDir(), config)
			var out awsauthtest.SyncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("aws-agent run on %s still ran after %s:\n%s", tc.addr, time.Since(start), out.Bytes())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, want status 1\n%s", err, out.Bytes())
			}
			text := string(out.Bytes())
			if !strings.Contains(text, tc.want) || !strings.Contains(text, strconv.Quote(tc.addr)) || !strings.Contains(text, "--server.http.listen-addr") {
				t.Fatalf("stderr does not name the address %q and the cause %q:\n%s", tc.addr, tc.want, text)
			}
			if strings.Contains(text, "listening on") {
				t.Fatalf("it said it was listening:\n%s", text)
			}
		})
	}
}

// demoAuth is examples/demo.river's aws.auth, reading the demo's
// environment (DEMO_*), with inner added to its body.
func demoAuth(inner string) string {
	return `
aws.auth "demo" {
	region            = "us-east-1"
	access_key_id     = env("DEMO_ACCESS_KEY_ID")
	secret_access_key = env("DEMO_SECRET_ACCESS_KEY")
	role_arn          = "arn:aws:iam::444455556666:role/demo-telemetry-writer"
	external_id       = "demo-external-id"
	sts_endpoint      = env("DEMO_STS_ENDPOINT")
	http_client_config {
		proxy_url = env("DEMO_PROXY_URL")
		no_proxy  = "127.0.0.1"
		tls_config {
			ca_pem = env("DEMO_CA_PEM")
		}
	}
` + inner + `}
`
}

// pendingConfig is the demo's aws.auth with writers that hold what they
// take until they stop: remote_write's batches wait ten minutes, and so
// do loki.write's.
var pendingConfig = demoAuth("") + `
prometheus.exporter.self "agent" { }

prometheus.scrape "agent" {
	targets         = prometheus.exporter.self.agent.targets
	forward_to      = [prometheus.remote_write.amp.receiver]
	scrape_interval = "1s"
	scrape_timeout  = "500ms"
}

prometheus.remote_write "amp" {
	endpoint {
		url = aws.auth.demo.gateway_url + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-demo/api/v1/remote_write"
		queue_config {
			capacity             = 1000000
			max_samples_per_send = 1000000
			batch_send_deadline  = "10m"
			min_shards           = 1
			max_shards           = 1
		}
	}
}

loki.source.file "app" {
	targets    = [{"__path__" = env("DEMO_LOG_FILE"), "job" = "demo"}]
	forward_to = [loki.write.api_gateway.receiver]
}

loki.write "api_gateway" {
	endpoint {
		url        = aws.auth.demo.gateway_url + "/a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/loki/api/v1/push"
		batch_wait = "10m"
		batch_size = "10MiB"
	}
}

otelcol.receiver.otlp "apps" {
	http {
		endpoint = env("DEMO_OTLP_LISTEN")
	}

	output {
		traces = [otelcol.processor.batch.held.input]
	}
}

otelcol.processor.batch "held" {
	timeout         = "10m"
	send_batch_size = 1000000

	output {
		traces = [otelcol.exporter.otlphttp.xray.input]
	}
}

otelcol.exporter.otlphttp "xray" {
	client {
		endpoint = "https://xray.us-east-1.amazonaws.com"
		auth     = aws.auth.demo.handler

		tls {
			ca_pem = env("DEMO_CA_PEM")
		}
	}
}
`

// SIGTERM with batches pending in prometheus.remote_write and loki.write:
// they are delivered through the signing gateway, which stays up until the
// writers have stopped, and the agent exits 0 well within Kubernetes' 30 s
// grace period. (With the server closed first, remote_write's last flush
// met "connection refused" and the agent exited after its one-minute flush
// deadline, the batch lost.)
func TestSIGTERMDeliversWhatIsPending(t *testing.T) {
	config := filepath.Join(t.TempDir(), "pending.river")
	if err := os.WriteFile(config, []byte(pendingConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startAgentOn(t, config)
	const lines = 7
	var text strings.Builder
	for i := range lines {
		text.WriteString("line " + strconv.Itoa(i) + " before the rollout\n")
	}
	if err := os.WriteFile(d.logFile, []byte(text.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	pending := regexp.MustCompile(`(?m)^prometheus_remote_storage_samples_pending\{[^}]*\} ([0-9.e+]+)$`)
	read := regexp.MustCompile(`(?m)^loki_source_file_read_lines_total\{[^}]*\} ([0-9.e+]+)$`)
	var held float64
	eventually(t, 60*time.Second, "remote_write holds samples and loki.source.file has read the lines", func() bool {
		_, page := getPage(t, d.base+"/metrics")
		held = sumOf(pending, page)
		return held > 0 && sumOf(read, page) >= lines
	})
	const spans = 3
	for i := range spans {
		d.sendSpan(t, "span "+strconv.Itoa(i)+" before the rollout")
	}
	time.Sleep(time.Second) // the lines reach loki.write's batch
	if n, l, s := d.aws.AMP.Samples()+d.aws.AMP.StaleMarkers(), d.aws.Loki.LineCount(), d.aws.XRay.SpanCount(); n != 0 || l != 0 || s != 0 {
		t.Fatalf("delivered before the rollout (samples %d, lines %d, spans %d): nothing was pending", n, l, s)
	}

	start := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM (samples %d, lines %d delivered):\n%s", d.aws.AMP.Samples(), d.aws.Loki.LineCount(), d.out.Bytes())
	}
	took := time.Since(start)
	if code := d.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM:\n%s", code, d.out.Bytes())
	}
	// remote_write counts staleness markers among its pending samples.
	if got := d.aws.AMP.Samples() + d.aws.AMP.StaleMarkers(); float64(got) < held {
		t.Errorf("AMP received %d samples and markers after SIGTERM; %v were pending", got, held)
	}
	if got := d.aws.Loki.LineCount(); got != lines {
		t.Errorf("Loki received %d lines after SIGTERM; %d were pending", got, lines)
	}
	if got := d.aws.XRay.SpanCount(); got != spans {
		t.Errorf("X-Ray received %d spans after SIGTERM; %d were pending in otelcol.processor.batch", got, spans)
	}
	for name, e := range map[string]interface {
		Counts() (int, map[string]int)
	}{"AMP": d.aws.AMP.Endpoint, "Loki": d.aws.Loki.Endpoint, "X-Ray": d.aws.XRay.Endpoint} {
		if _, rejected := e.Counts(); len(rejected) != 0 {
			t.Errorf("%s rejected requests: %v", name, rejected)
		}
	}
	t.Logf("SIGTERM to exit: %s; delivered %d samples and %d staleness markers (%v pending), %d lines and %d spans", took, d.aws.AMP.Samples(), d.aws.AMP.StaleMarkers(), held, d.aws.Loki.LineCount(), d.aws.XRay.SpanCount())
}

// sumOf adds the values re finds on an exposition page.
func sumOf(re *regexp.Regexp, page []byte) float64 {
	var sum float64
	for _, m := range re.FindAllSubmatch(page, -1) {
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		sum += v
	}
	return sum
}

// `aws-agent version` and `--version` say what runs: the commit it was built
// from, which agent_build_info carries too, and the Go toolchain.
func TestVersionNamesTheCommit(t *testing.T) {
	bin := sharedAgent(t)
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	commit := strings.TrimSpace(string(head))
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).CombinedOutput()
		if err != nil {
			t.Fatalf("aws-agent %s: %v\n%s", arg, err, out)
		}
		if !strings.Contains(string(out), "revision: "+commit) || !strings.Contains(string(out), "go: go1.") || !strings.Contains(string(out), "grafana agent: v0.40.3") {
			t.Fatalf("aws-agent %s does not name commit %s, Go and the agent:\n%s", arg, commit, out)
		}
	}
	d := startDemoAgent(t)
	_, page := getPage(t, d.base+"/metrics")
	if !regexp.MustCompile(`(?m)^agent_build_info\{[^}]*revision="` + commit + `(-modified)?"`).Match(page) {
		t.Fatalf("agent_build_info does not carry revision %s:\n%s", commit, grepLines(page, "agent_build_info"))
	}
}

// When AWS does not take the last batches, the shutdown still ends within
// --shutdown.timeout: exit status 1 and a line saying what was not
// delivered, not a process that outlives its grace period.
func TestShutdownIsBounded(t *testing.T) {
	config := filepath.Join(t.TempDir(), "pending.river")
	if err := os.WriteFile(config, []byte(pendingConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startAgentOn(t, config, "--shutdown.timeout", "3s")
	d.aws.AMP.FailStatus.Store(503)
	pending := regexp.MustCompile(`(?m)^prometheus_remote_storage_samples_pending\{[^}]*\} ([0-9.e+]+)$`)
	eventually(t, 60*time.Second, "remote_write holds samples", func() bool {
		_, page := getPage(t, d.base+"/metrics")
		return sumOf(pending, page) > 0
	})
	start := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM with --shutdown.timeout 3s:\n%s", d.out.Bytes())
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("exited %s after SIGTERM, with --shutdown.timeout 3s", took)
	}
	if code := d.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit status %d, want 1: data was not delivered", code)
	}
	if !strings.Contains(string(d.out.Bytes()), "components were still sending 3s after the shutdown began (--shutdown.timeout): what they held is not delivered") {
		t.Errorf("the output does not say what was lost:\n%s", d.out.Bytes())
	}
}

// secretsConfig holds secret literals in an aws.auth block (the keys a
// user pasted) and an aws.auth on a profile whose credential_process
// prints a key to its stderr; broken adds an error in the block with the
// literals.
func secretsConfig(helperConfig string, broken bool) string {
	roleARN := ""
	if broken {
		roleARN = `role_arn = "arn:aws:iam::123:role/too-short-an-account"`
	}
	return `
aws.auth "pasted" {
	region            = "us-east-1"
	access_key_id     = "AKIAPASTEDEXAMPLE001"
	secret_access_key = "` + pastedSecret + `"
	session_token     = "` + pastedToken + `"
	` + roleARN + `
	verify_identity   = false
}

aws.auth "helper" {
	region             = "us-east-1"
	profile            = "helper"
	shared_config_file = "` + helperConfig + `"
	verify_identity    = false
}
`
}

const (
	pastedSecret = "pAsTeDsEcReT0123456789abcdefghijklmnopqr"
	pastedToken  = "pasted-short-session-token"
	helperKey    = "hElPeRlEaKeDkEy0123456789abcdefghijklmno"
)

// Load, SIGHUP and /-/reload errors in a block holding secret literals, and
// a credential helper's stderr, show no secret in any byte the agent
// prints or answers: the lines around an error read "(secret)", and the
// helper's output reaches the log on its component, counted and redacted.
func TestNoSecretInConfigurationErrorsOrHelperOutput(t *testing.T) {
	isolateEnv(t)
	bin := sharedAgent(t)
	dir := t.TempDir()
	helper := filepath.Join(dir, "helper.sh")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\necho \"debug: signing in with "+helperKey+"\" >&2\n"+
		"printf '{\"Version\":1,\"AccessKeyId\":\"AKIAHELPEREXAMPLE001\",\"SecretAccessKey\":\"helper-issued-secret-value\"}'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	helperConfig := filepath.Join(dir, "aws-config")
	if err := os.WriteFile(helperConfig, []byte("[profile helper]\ncredential_process = "+helper+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.river")
	write := func(broken bool) {
		if err := os.WriteFile(config, []byte(secretsConfig(helperConfig, broken)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	noSecret := func(where string, b []byte) {
		t.Helper()
		for _, s := range []string{pastedSecret, pastedToken, helperKey, "helper-issued-secret-value"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s shows the secret %q:\n%s", where, s, b)
			}
		}
	}

	// The first load.
	write(true)
	out, err := exec.Command(bin, "run", "--server.http.listen-addr", "127.0.0.1:0", "--storage.path", filepath.Join(dir, "data0"), config).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("a broken configuration: %v\n%s", err, out)
	}
	noSecret("the first load's error", out)
	if !strings.Contains(string(out), `session_token     = "(secret)"`) || !strings.Contains(string(out), "role_arn") {
		t.Errorf("the first load's error does not show the lines around it, redacted:\n%s", out)
	}
	// At the argument it names, not at the block's first line.
	line := strings.Count(secretsConfig(helperConfig, true)[:strings.Index(secretsConfig(helperConfig, true), "role_arn")], "\n") + 1
	if at := fmt.Sprintf("%s:%d:", config, line); !strings.Contains(string(out), at) {
		t.Errorf("the first load's error is not at %s (role_arn's line):\n%s", at, out)
	}

	// A running agent, reloaded with the broken file.
	write(false)
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--server.http.listen-addr", addr, "--storage.path", filepath.Join(dir, "data"), config)
	var log awsauthtest.SyncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("agent output:\n%s", log.Bytes())
		}
	}()
	eventually(t, 30*time.Second, "the helper's stderr is logged on its component", func() bool {
		return strings.Contains(string(log.Bytes()), `msg="credential_process wrote to its stderr" component=aws.auth.helper bytes=`)
	})
	if !strings.Contains(string(log.Bytes()), "debug: signing in with (secret)") {
		t.Errorf("the helper's line is not in the log, redacted:\n%s", log.Bytes())
	}
	write(true)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "SIGHUP's reload fails", func() bool {
		return strings.Contains(string(log.Bytes()), "reload failed; the running configuration stays")
	})
	status, body := postPage(t, "http://"+addr+"/-/reload")
	if status != 400 || !strings.Contains(string(body), "is not an IAM role ARN") {
		t.Errorf("/-/reload of a broken file: %d %s", status, body)
	}
	noSecret("/-/reload's answer", body)
	time.Sleep(500 * time.Millisecond) // the log line of /-/reload
	noSecret("the agent's output", log.Bytes())
	if n := strings.Count(string(log.Bytes()), `session_token     = "(secret)"`); n < 2 {
		t.Errorf("the reloads' errors do not show the lines around them (%d times):\n%s", n, log.Bytes())
	}
}

func postPage(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
