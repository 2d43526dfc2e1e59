package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakes3"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// archiveConfig sends the demo's OTLP traces to one S3 archive and its log
// file, through otelcol.receiver.loki, to another as log lines; batches
// are sealed maxAge after their first record.
func archiveConfig(maxAge string) string {
	return demoAuth("") + `
otelcol.receiver.otlp "apps" {
	http {
		endpoint = env("DEMO_OTLP_LISTEN")
	}

	output {
		traces = [otelcol.exporter.awss3.traces.input]
	}
}

otelcol.exporter.awss3 "traces" {
	auth = aws.auth.demo.handler

	s3_uploader {
		s3_bucket             = "` + receivers.ArchiveBucket + `"
		s3_prefix             = "tempo_traces"
		compression           = "gzip"
		expected_bucket_owner = "` + receivers.ArchiveOwner + `"
	}

	batch {
		max_age = "` + maxAge + `"
	}
}

loki.source.file "app" {
	targets    = [{"__path__" = env("DEMO_LOG_FILE"), "job" = "demo"}]
	forward_to = [otelcol.receiver.loki.app.receiver]
}

otelcol.receiver.loki "app" {
	output {
		logs = [otelcol.exporter.awss3.lines.input]
	}
}

otelcol.exporter.awss3 "lines" {
	auth = aws.auth.demo.handler

	s3_uploader {
		s3_bucket   = "` + receivers.ArchiveBucket + `"
		s3_prefix   = "loki_logs"
		compression = "zstd"
	}

	marshaler {
		type = "body"
	}

	batch {
		max_age = "` + maxAge + `"
	}
}
`
}

var accepted = regexp.MustCompile(`(?m)^otelcol_exporter_awss3_accepted_items_total\{[^}]*signal="(traces|logs)"[^}]*\} ([0-9.e+]+)$`)

// acceptedItems reads the exporters' accepted spans and log records.
func (d *demoAgent) acceptedItems(t *testing.T) (spans, lines int) {
	_, page := getPage(t, d.base+"/metrics")
	for _, m := range accepted.FindAllSubmatch(page, -1) {
		n, _ := strconv.ParseFloat(string(m[2]), 64)
		if string(m[1]) == "traces" {
			spans += int(n)
		} else {
			lines += int(n)
		}
	}
	return spans, lines
}

// An operator's day with an archive: the agent is killed (-9) while an
// upload is in flight and with a batch still being filled, and started
// again on the same storage path; later it is stopped with SIGTERM while
// a batch waits for its hour. Every span and log line arrives in S3 once,
// under keys of the layout, decoded back to what was sent.
func TestS3ArchiveKeepsEverythingThroughKillAndSIGTERM(t *testing.T) {
	dir := t.TempDir()
	storage := filepath.Join(dir, "data")
	fast, slow := filepath.Join(dir, "fast.river"), filepath.Join(dir, "slow.river")
	os.WriteFile(fast, []byte(archiveConfig("1s")), 0o600)
	os.WriteFile(slow, []byte(archiveConfig("1h")), 0o600)

	// First run: S3 takes the PUTs and never answers.
	first := startAgentOn(t, fast, "--storage.path", storage)
	first.aws.S3.Stall()
	defer first.aws.S3.Release()
	const lines = 5
	var text strings.Builder
	for i := range lines {
		text.WriteString("line " + strconv.Itoa(i) + " to archive\n")
	}
	os.WriteFile(first.logFile, []byte(text.String()), 0o600)
	for i := range 4 {
		first.sendSpan(t, "span "+strconv.Itoa(i))
	}
	eventually(t, 30*time.Second, "the archive's PUTs are in flight", func() bool {
		return first.aws.S3.Puts() >= 2
	})
	for i := 4; i < 6; i++ { // into a batch still open when the agent dies
		first.sendSpan(t, "span "+strconv.Itoa(i))
	}
	eventually(t, 10*time.Second, "the exporters accepted every span and line", func() bool {
		s, l := first.acceptedItems(t)
		return s == 6 && l == lines
	})
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	if n := len(first.aws.S3.Objects()); n != 0 {
		t.Fatalf("S3 stored %d objects before the kill; the test needs uploads in flight", n)
	}

	// Second run on the same storage: what the spool held goes up.
	second := startAgentOn(t, slow, "--storage.path", storage)
	eventually(t, 30*time.Second, "the spool's batches reach S3", func() bool {
		spans, got := decodeArchive(t, second.aws.S3.Objects())
		return len(spans) == 6 && len(got) == lines
	})
	for i := 6; i < 9; i++ { // held by a batch of an hour
		second.sendSpan(t, "span "+strconv.Itoa(i))
	}
	eventually(t, 10*time.Second, "the exporter accepted the new spans", func() bool {
		s, _ := second.acceptedItems(t)
		return s == 3
	})
	// The stop's upload meets ExpiredToken once: aws.auth refreshes and
	// sends it again.
	second.aws.S3.Fail("ExpiredToken")
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-second.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGTERM")
	}
	if code := second.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM:\n%s", code, second.out.Bytes())
	}

	objs := second.aws.S3.Objects()
	spans, got := decodeArchive(t, objs)
	for i := range 9 {
		if n := spans["span "+strconv.Itoa(i)]; n != 1 {
			t.Errorf("span %d is in S3 %d times, want once", i, n)
		}
	}
	if len(spans) != 9 {
		t.Errorf("S3 holds spans %v, want span 0 … span 8", spans)
	}
	for i := range lines {
		l, ok := got["line "+strconv.Itoa(i)+" to archive"]
		if !ok || l.Labels["job"] != "demo" || l.Labels["filename"] != first.logFile || l.Timestamp == "" {
			t.Errorf("line %d in S3: %+v (present %v)", i, l, ok)
		}
	}
	keys := map[string]bool{}
	layout := regexp.MustCompile(`^(tempo_traces/year=\d{4}/month=\d\d/day=\d\d/hour=\d\d/minute=\d\d/traces_[0-9a-f]{16}\.json\.gz|loki_logs/year=\d{4}/month=\d\d/day=\d\d/hour=\d\d/minute=\d\d/logs_[0-9a-f]{16}\.jsonl\.zst)$`)
	for _, o := range objs {
		if keys[o.Key] {
			t.Errorf("key %s written twice", o.Key)
		}
		keys[o.Key] = true
		if !layout.MatchString(o.Key) || o.Bucket != receivers.ArchiveBucket {
			t.Errorf("object %s/%s does not follow the layout", o.Bucket, o.Key)
		}
		if strings.HasPrefix(o.Key, "tempo_traces/") && o.Header.Get("X-Amz-Expected-Bucket-Owner") != receivers.ArchiveOwner {
			t.Errorf("%s was sent without the expected bucket owner", o.Key)
		}
		if !strings.Contains(o.Caller.Key.ARN, "assumed-role/demo-telemetry-writer/") {
			t.Errorf("%s was signed by %s, not the demo role", o.Key, o.Caller.Key.ARN)
		}
	}
	if r := second.aws.S3.Rejected(); len(r) != 1 || r["ExpiredToken"] != 1 {
		t.Errorf("S3 refused requests %v, want the one ExpiredToken", r)
	}
}

// An S3 outage longer than the credentials' lifetime (STS issues them for
// 10 s; the outage lasts 25 s or more): the spool keeps what it has room for, the
// input refuses the rest and says so (metrics, health), and when S3 is
// back every span accepted arrives, once, signed with current credentials.
func TestS3ArchiveOutageLosesNothingItAccepted(t *testing.T) {
	config := filepath.Join(t.TempDir(), "outage.river")
	text := strings.Replace(archiveConfig("1s"), `max_age = "1s"`, `max_age  = "1s"
		max_size = "4KiB"
	}

	spool {
		max_size = "24KiB"`, 1)
	text = strings.Replace(text, `compression           = "gzip"`, `compression           = "none"`, 1)
	os.WriteFile(config, []byte(text), 0o600)
	d := startAgentWith(t, config, func(aws *receivers.FakeAWS) { aws.STS.TTL = 10 * time.Second })
	d.aws.S3.Down("ServiceUnavailable")
	// Spans until the outage has outlived two credentials and the spool
	// has refused some (uncompressed records fill it in seconds; the
	// bound is for a machine far slower than any seen).
	start := time.Now()
	took := map[string]bool{}
	refused := 0
	for i := 0; (time.Since(start) < 25*time.Second || refused < 5) && time.Since(start) < 90*time.Second; i++ {
		name := "outage span " + strconv.Itoa(i)
		if d.postSpan(t, name) {
			took[name] = true
		} else {
			refused++
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("outage of %s: %d spans taken, %d refused", time.Since(start).Round(time.Second), len(took), refused)
	if refused == 0 || len(took) == 0 {
		t.Fatalf("took %d spans and refused %d during the outage: want both (the spool filled)", len(took), refused)
	}
	_, page := getPage(t, d.base+"/metrics")
	refusedMetric := regexp.MustCompile(`(?m)^otelcol_exporter_awss3_refused_items_total\{[^}]*signal="traces"[^}]*\} ([0-9.e+]+)$`)
	if got := sumOf(refusedMetric, page); int(got) != refused {
		t.Errorf("refused_items_total says %v, the receiver refused %d", got, refused)
	}
	if out := string(d.out.Bytes()); !strings.Contains(out, `msg="telemetry not archived"`) || !strings.Contains(out, "the spool is full") {
		t.Errorf("the agent's log does not say what it refused:\n%s", grepLines([]byte(out), "awss3"))
	}
	health := componentHealth(t, d.base, "otelcol.exporter.awss3.traces")
	if !strings.Contains(health, "ServiceUnavailable") && !strings.Contains(health, "spool is full") {
		t.Errorf("health during the outage: %q", health)
	}
	d.aws.S3.Up()
	eventually(t, 60*time.Second, "every span accepted reaches S3", func() bool {
		spans, _ := decodeArchive(t, d.aws.S3.Objects())
		return len(spans) >= len(took)
	})
	spans, _ := decodeArchive(t, d.aws.S3.Objects())
	for name := range took {
		if spans[name] != 1 {
			t.Errorf("%s, accepted, is in S3 %d times", name, spans[name])
		}
	}
	if len(spans) != len(took) {
		t.Errorf("S3 holds %d spans; %d were accepted", len(spans), len(took))
	}
	if n := len(d.aws.STS.Calls()); n < 3 {
		t.Errorf("%d STS calls: the credentials should have been refreshed during the outage", n)
	}
}

// archivedLine is one line of the body marshaler's output.
type archivedLine struct {
	Timestamp string            `json:"timestamp"`
	Labels    map[string]string `json:"labels"`
	Line      string            `json:"line"`
}

// decodeArchive reads every object back: span names counted, log lines by
// their text.
func decodeArchive(t *testing.T, objs []fakes3.Object) (map[string]int, map[string]archivedLine) {
	t.Helper()
	spans, lines := map[string]int{}, map[string]archivedLine{}
	for _, o := range objs {
		body, err := o.Decoded()
		if err != nil {
			t.Fatalf("%s: %v", o.Key, err)
		}
		switch o.Header.Get("Content-Type") {
		case "application/json":
			td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(body)
			if err != nil {
				t.Fatalf("%s is not OTLP JSON: %v", o.Key, err)
			}
			rs := td.ResourceSpans()
			for i := 0; i < rs.Len(); i++ {
				ss := rs.At(i).ScopeSpans()
				for j := 0; j < ss.Len(); j++ {
					sp := ss.At(j).Spans()
					for k := 0; k < sp.Len(); k++ {
						spans[sp.At(k).Name()]++
					}
				}
			}
		case "application/x-ndjson":
			if !bytes.HasSuffix(body, []byte("\n")) {
				t.Errorf("%s does not end its last line", o.Key)
			}
			for _, l := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
				var al archivedLine
				if err := json.Unmarshal([]byte(l), &al); err != nil {
					t.Fatalf("%s: line %q: %v", o.Key, l, err)
				}
				lines[al.Line] = al
			}
		default:
			t.Fatalf("%s has Content-Type %q", o.Key, o.Header.Get("Content-Type"))
		}
	}
	return spans, lines
}

// componentHealth is a component's health message, as the UI's API gives it.
func componentHealth(t *testing.T, base, id string) string {
	t.Helper()
	var info struct {
		Health struct{ State, Message string } `json:"health"`
	}
	resp, err := http.Get(base + "/api/v0/web/components/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	return info.Health.State + ": " + info.Health.Message
}
