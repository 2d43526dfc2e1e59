package tests

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// notExpected are the metric names the agent mixin's dashboards query that
// the upstream agent would not expose either in this test, and why.
var notExpected = []struct{ pattern, why string }{
	{`^(up|scrape_duration_seconds)$`, "written by the Prometheus that scrapes the agent, for each target"},
	{`^agent_component_evaluation_slow_seconds$`, "counted only when a component's evaluation takes over a minute"},
	{`^cluster_`, "registered by the cluster service only with --cluster.enabled: TestClusteredAgentsShareTheTargets checks them on a clustered agent"},
	{`^processor_batch_`, "otelcol.processor.batch's, which the demo configuration does not run"},
	{`^rpc_server_`, "an OTLP gRPC receiver's; the demo's receiver serves HTTP"},
}

// expected reports whether the agent should expose name, or why not.
func expected(name string) (bool, string) {
	for _, n := range notExpected {
		if regexp.MustCompile(n.pattern).MatchString(name) {
			return false, n.why
		}
	}
	return true, ""
}

// mixinMetricNames reads the agent-flow-mixin's dashboards of the agent
// module in go.mod and returns every metric name their queries select
// (an identifier followed by a label matcher: `name{...}`).
func mixinMetricNames(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/grafana/agent")
	cmd.Env = append(os.Environ(), goCaches...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m github.com/grafana/agent: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "operations", "agent-flow-mixin", "dashboards", "*.libsonnet"))
	if len(files) < 5 {
		t.Fatalf("the agent module's mixin dashboards: found %v", files)
	}
	selector := regexp.MustCompile(`\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{`)
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range selector.FindAllSubmatch(b, -1) {
			seen[string(m[1])] = true
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	// The parser found what the Resources and Controller dashboards read.
	for _, n := range []string{"agent_build_info", "go_goroutines", "go_memstats_heap_inuse_bytes", "go_gc_duration_seconds_count",
		"agent_resources_process_cpu_seconds_total", "agent_resources_process_resident_memory_bytes", "agent_component_controller_running_components"} {
		if !slices.Contains(names, n) {
			t.Fatalf("the mixin's dashboards no longer query %s, or the parser missed it (found %v)", n, names)
		}
	}
	return names
}

// exposedNames lists the metric names on an exposition page.
func exposedNames(page []byte) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(page))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

func getPage(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// The agent mixin's dashboards (Resources, Controller, Prometheus,
// OpenTelemetry) work for an aws-agent fleet: every metric they query is
// on `aws-agent run`'s /metrics while it runs the demo configuration
// (remote_write, loki.write, an OTLP pipeline), but for those in
// notExpected. And /debug/pprof/ answers, as upstream's run serves it by
// default.
func TestOperatedLikeTheUpstreamAgent(t *testing.T) {
	names := mixinMetricNames(t)
	for _, n := range names {
		if want, why := expected(n); !want {
			t.Logf("not expected: %s (%s)", n, why)
		}
	}
	d := startDemoAgent(t)
	if err := os.WriteFile(d.logFile, []byte("level=info msg=\"hello from the operations test\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.sendSpan(t, "ops-test")
	eventually(t, 60*time.Second, "metrics, a span and a line arrive", func() bool {
		return d.aws.AMP.Samples() > 0 && d.aws.XRay.SpanCount() > 0 && d.aws.Loki.LineCount() > 0
	})
	var missing []string
	defer func() {
		if len(missing) > 0 {
			t.Logf("queried by the mixin, not exposed: %s", strings.Join(missing, " "))
		}
	}()
	eventually(t, 30*time.Second, "every mixin metric exposed", func() bool {
		_, page := getPage(t, d.base+"/metrics")
		exposed := exposedNames(page)
		missing = missing[:0]
		for _, n := range names {
			if want, _ := expected(n); want && !exposed[n] {
				missing = append(missing, n)
			}
		}
		return len(missing) == 0
	})

	_, page := getPage(t, d.base+"/metrics")
	if !regexp.MustCompile(`(?m)^agent_build_info\{.*goversion="go1\.`).Match(page) {
		t.Errorf("agent_build_info carries no goversion:\n%s", grepLines(page, "agent_build_info"))
	}
	for _, n := range []string{"process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total", "go_memstats_heap_inuse_bytes"} {
		if !exposedNames(page)[n] {
			t.Errorf("%s is not exposed", n)
		}
	}
	if status, body := getPage(t, d.base+"/debug/pprof/"); status != 200 || !bytes.Contains(body, []byte("goroutine")) {
		t.Errorf("/debug/pprof/: %d %.200s", status, body)
	}
	if status, body := getPage(t, d.base+"/debug/pprof/heap?debug=1"); status != 200 || !bytes.Contains(body, []byte("heap profile")) {
		t.Errorf("/debug/pprof/heap: %d %.200s", status, body)
	}

	// The start-up log says where aws.auth's credentials come from once its
	// first refresh has finished, not that it is still resolving them.
	want := []byte("aws-agent: aws.auth.demo: healthy: credentials from static, then AssumeRole " + receivers.DemoRoleARN)
	eventually(t, 20*time.Second, "the start-up log names the demo's credentials", func() bool { return bytes.Contains(d.out.Bytes(), want) })
	if bytes.Contains(d.out.Bytes(), []byte("aws.auth.demo: unhealthy")) {
		t.Errorf("the start-up log reported aws.auth.demo before its first refresh:\n%s", d.out.Bytes())
	}
}

// --server.http.enable-pprof=false turns the profiling endpoints off.
func TestPProfCanBeTurnedOff(t *testing.T) {
	d := startDemoAgent(t, "--server.http.enable-pprof=false")
	if status, _ := getPage(t, d.base+"/debug/pprof/"); status != http.StatusNotFound {
		t.Fatalf("/debug/pprof/ with pprof off: %d", status)
	}
	if status, _ := getPage(t, d.base+"/metrics"); status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
}
