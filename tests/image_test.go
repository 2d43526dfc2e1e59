package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const imageTag = "localhost/aws-agent:dev"

// imageArchive builds the image with `make image` (the static binary is
// cached by the go command after its first build) and returns its archive.
func imageArchive(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("../flowui/build/index.html"); err != nil {
		t.Fatal("the Flow UI is not built: run make ui (make test does)")
	}
	cmd := exec.Command("make", "-C", "..", "image")
	cmd.Env = append(os.Environ(), goCaches...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	return "../build/aws-agent-image.tar"
}

func podman(t *testing.T, ctx context.Context, args ...string) ([]byte, error) {
	t.Helper()
	return exec.CommandContext(ctx, "podman", args...).CombinedOutput()
}

// The image, built without a Docker daemon, loads into podman and runs
// `aws-agent demo` as user 65532 with the UI inside: the demo's report
// says every signal arrived and nothing was rejected, and the UI answers
// while it runs.
func TestImageRunsTheDemo(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Fatal("podman is not installed: make test installs Debian's podman and runc")
	}
	isolateEnv(t)
	archive := imageArchive(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	if out, err := podman(t, ctx, "load", "-i", archive); err != nil || !strings.Contains(string(out), imageTag) {
		t.Fatalf("podman load: %v\n%s", err, out)
	}
	out, err := podman(t, ctx, "image", "inspect", imageTag)
	if err != nil {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	var inspected []struct {
		Size   int64
		Config struct {
			User         string
			Entrypoint   []string
			ExposedPorts map[string]struct{}
			Labels       map[string]string
		}
	}
	if err := json.Unmarshal(out, &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	img := inspected[0]
	if img.Config.User != "65532:65532" || strings.Join(img.Config.Entrypoint, " ") != "/usr/bin/aws-agent" ||
		img.Config.ExposedPorts == nil || img.Config.Labels["org.opencontainers.image.source"] == "" {
		t.Errorf("image config %+v", img.Config)
	}
	t.Logf("image size %.1f MiB", float64(img.Size)/(1<<20))

	addr := freeAddr(t)
	container := "aws-agent-image-test-" + strings.ReplaceAll(strings.Split(addr, ":")[1], ".", "")
	run := exec.CommandContext(ctx, "podman", "run", "--rm", "--name", container, "--runtime", "runc", "--network", "host",
		"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=1000:1000",
		imageTag, "demo", "--duration", "20s", "--server.http.listen-addr", addr)
	var report bytes.Buffer
	run.Stdout, run.Stderr = &report, &report
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	var page []byte
	eventually(t, 60*time.Second, "the UI answers from inside the container", func() bool {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		page, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && strings.Contains(string(page), "<div id=\"root\">")
	})
	// The agent runs as the image's user, not root.
	if out, err := podman(t, ctx, "top", container, "user", "comm"); err != nil {
		t.Errorf("podman top: %v\n%s", err, out)
	} else if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) < 2 {
		t.Errorf("podman top shows no process:\n%s", out)
	} else {
		for _, l := range lines[1:] {
			if f := strings.Fields(l); len(f) == 0 || (f[0] != "nonroot" && f[0] != "65532") {
				t.Errorf("a process in the container runs as %q:\n%s", l, out)
			}
		}
	}
	if err := run.Wait(); err != nil {
		t.Fatalf("the demo in the container: %v\n%s", err, report.Bytes())
	}
	checkDemoReport(t, report.Bytes(), "credentials  healthy: credentials from static, then AssumeRole arn:aws:iam::444455556666:role/demo-telemetry-writer")
}
