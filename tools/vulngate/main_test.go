package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scan as govulncheck v1.9.0 writes it (-format json): config, progress,
// SBOM and OSV messages, then findings. GO-2026-4910 reaches a function;
// GO-2025-0001 only an imported package, so it does not count.
const scan = `{
  "config": {"protocol_version": "v1.0.0", "scanner_name": "govulncheck", "scanner_version": "v1.9.0", "scan_level": "symbol", "scan_mode": "binary"}
}
{"progress": {"message": "Scanning your binary for known vulnerabilities..."}}
{"osv": {"id": "GO-2026-4910", "summary": "..."}}
{
  "finding": {
    "osv": "GO-2026-4910",
    "fixed_version": "v5.17.1",
    "trace": [
      {"module": "github.com/go-git/go-git/v5", "version": "v5.11.0", "package": "github.com/go-git/go-git/v5", "function": "BuildTree", "receiver": "buildTreeHelper"}
    ]
  }
}
{
  "finding": {
    "osv": "GO-2026-4910",
    "fixed_version": "v5.17.1",
    "trace": [
      {"module": "github.com/go-git/go-git/v5", "version": "v5.11.0", "package": "github.com/go-git/go-git/v5", "function": "Other"}
    ]
  }
}
{
  "finding": {
    "osv": "GO-2024-3170",
    "fixed_version": "v0.43.3",
    "trace": [
      {"module": "github.com/grafana/agent", "version": "v0.40.3", "package": "github.com/grafana/agent/pkg/metrics/cluster/client", "function": "RegisterFlagsWithPrefix", "receiver": "Config"}
    ]
  }
}
{
  "finding": {
    "osv": "GO-2024-3170",
    "fixed_version": "v0.43.3",
    "trace": [
      {"module": "github.com/grafana/agent/static", "version": "v0.40.3", "package": "github.com/grafana/agent/static/x", "function": "F"}
    ]
  }
}
{
  "finding": {
    "osv": "GO-2025-0001",
    "trace": [
      {"module": "example.com/m", "version": "v1.0.0", "package": "example.com/m/p"}
    ]
  }
}
`

const header = "# Exceptions\n\n| ID | Module | Why it stays | What mitigates it |\n|---|---|---|---|\n"

func TestGate(t *testing.T) {
	agentRow := "| GO-2024-3170 | `github.com/grafana/agent` | Windows only; fixed in v0.43.3, which the module proxy does not serve | aws-agent ships for Linux |\n"
	gitRow := "| GO-2026-4910 | github.com/go-git/go-git/v5 | no version compiles | nothing clones |\n"
	cases := []struct {
		name, exceptions string
		errs             []string // each must be in the error; none: it passes
	}{
		{"every finding explained", header + agentRow + gitRow, nil},
		{"a finding unexplained", header + agentRow,
			[]string{"GO-2026-4910 in github.com/go-git/go-git/v5@v5.11.0 (fixed in v5.17.1), reached by github.com/go-git/go-git/v5.buildTreeHelper.BuildTree"}},
		{"an exception no scan finds", header + agentRow + gitRow + "| GO-2026-0002 | golang.org/x/net | x | y |\n",
			[]string{"GO-2026-0002 (golang.org/x/net): excepted, but no scan finds it any more"}},
		{"an exception of another module", header + gitRow + "| GO-2024-3170 | github.com/grafana/loki | x | y |\n",
			[]string{"GO-2024-3170: the exception names module github.com/grafana/loki, the finding is in github.com/grafana/agent, github.com/grafana/agent/static"}},
		{"a nested module excepted by its parent's path", header + gitRow + "| GO-2024-3170 | github.com/grafana | x | y |\n", nil},
		{"a finding in two modules, excepted by the second", header + gitRow + "| GO-2024-3170 | github.com/grafana/agent/static | x | y |\n", nil},
		{"a package-level finding does not count", header + agentRow + gitRow + "| GO-2025-0001 | example.com/m | x | y |\n",
			[]string{"GO-2025-0001 (example.com/m): excepted, but no scan finds it"}},
		{"a row without a mitigation", header + agentRow + "| GO-2026-4910 | github.com/go-git/go-git/v5 | no version compiles |  |\n",
			[]string{"GO-2026-4910: what mitigates it is empty"}},
		{"a row with three cells", header + "| GO-2026-4910 | github.com/go-git/go-git/v5 | why |\n",
			[]string{"GO-2026-4910: want 4 cells"}},
		{"a row twice", header + agentRow + gitRow + gitRow, []string{"GO-2026-4910 is listed twice"}},
	}
	dir := t.TempDir()
	scanFile := filepath.Join(dir, "binary.json")
	if err := os.WriteFile(scanFile, []byte(scan), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			exceptions := filepath.Join(dir, "exceptions.md")
			if err := os.WriteFile(exceptions, []byte(c.exceptions), 0o600); err != nil {
				t.Fatal(err)
			}
			report, err := gate(exceptions, []string{scanFile})
			if len(c.errs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(report, "binary.json: 2 vulnerabilities reach code") || !strings.Contains(report, "2 distinct vulnerabilities reach code; 2 exceptions") {
					t.Fatalf("report %q", report)
				}
				return
			}
			if err == nil {
				t.Fatalf("passed; want an error with %q", c.errs)
			}
			for _, want := range c.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

// A scan that is not govulncheck's JSON is an error, not zero findings.
func TestGateRefusesAScanItCannotRead(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "source.json")
	exceptions := filepath.Join(dir, "exceptions.md")
	if err := os.WriteFile(bad, []byte("govulncheck: loading packages: exit status 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exceptions, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := gate(exceptions, []string{bad}); err == nil || !strings.Contains(err.Error(), "source.json") {
		t.Fatalf("error %v", err)
	}
}

// Every scan counts, the second as much as the first (#34: a gate that read
// only the first of its scans passed a finding only the source scan had).
func TestGateReadsEveryScan(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "binary.json")
	if err := os.WriteFile(empty, []byte(`{"config": {"protocol_version": "v1.0.0", "scanner_name": "govulncheck"}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	source := filepath.Join(dir, "source.json")
	if err := os.WriteFile(source, []byte(scan), 0o600); err != nil {
		t.Fatal(err)
	}
	exceptions := filepath.Join(dir, "exceptions.md")
	if err := os.WriteFile(exceptions, []byte(header), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := gate(exceptions, []string{empty, source})
	if err == nil || !strings.Contains(err.Error(), "GO-2026-4910") || !strings.Contains(err.Error(), "GO-2024-3170") {
		t.Fatalf("a finding of the second scan: %v", err)
	}
}
