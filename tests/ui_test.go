package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// The Flow UI, built by `make ui`, served by aws-agent on the demo
// configuration and read in headless Chromium: the aws.auth page shows the
// health and the debug info a user needs, no secret, and no console error.
func TestFlowUIShowsAWSAuth(t *testing.T) {
	assets, err := filepath.Abs("../flowui/build")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(assets, "index.html")); err != nil {
		t.Fatalf("the Flow UI is not built (%v): run \"make ui\" (make test does)", err)
	}
	chromium := lookChromium(t)
	d := startDemoAgent(t, "--ui.assets-dir", assets)
	aws, base := d.aws, d.base

	// Traffic on two paths, so the page has counters to show: a log line to
	// Loki through the gateway, a span to X-Ray through the handler.
	if err := os.WriteFile(d.logFile, []byte("level=info msg=\"hello from the UI test\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.sendSpan(t, "ui-test")
	eventually(t, 30*time.Second, "the span reaches X-Ray and the line Loki", func() bool {
		return len(aws.XRay.Spans()) > 0 && len(aws.Loki.Lines()) > 0
	})
	want := debugInfo(t, base+"/api/v0/web/components/aws.auth.demo")

	page, text, shot, consoleErrors := browse(t, chromium, base+"/component/aws.auth.demo", "identity_arn")
	if err := os.MkdirAll("artifacts/ui", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("artifacts/ui/aws-auth-component.png", shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(consoleErrors) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(consoleErrors, "\n"))
	}
	for _, s := range []string{
		"Latest health message",
		"credentials from static, then AssumeRole " + receivers.DemoRoleARN,
		"Debug info",
		"credential_source", want["credential_source"],
		"access_key_id", want["access_key_id"],
		"expiration", want["expiration"],
		"identity_arn", want["identity_arn"],
		"signed_requests", "responses",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("the page does not show %q:\n%s", s, text)
		}
	}
	if !regexp.MustCompile(`aws\.auth\.demo[\s\x{00a0}]+Healthy\n`).MatchString(text) {
		t.Errorf("the page's heading does not say aws.auth.demo is Healthy:\n%s", text)
	}
	for _, service := range []string{"xray", "execute-api"} {
		if !regexp.MustCompile(`"` + service + ` 2\d\d"\s*=\s*[1-9]`).MatchString(text) {
			t.Errorf("the page shows no accepted %s request:\n%s", service, text)
		}
	}
	if !regexp.MustCompile(`^ASIA\*+[A-Z2-7]{4}$`).MatchString(want["access_key_id"]) {
		t.Errorf("the debug info's access key id is not masked: %q", want["access_key_id"])
	}
	// The secret argument and the exported session's secret parts.
	if n := strings.Count(text, "(secret)"); n < 3 {
		t.Errorf("the page shows %d values as (secret), want the secret_access_key argument and the exported credentials' secret_access_key and session_token", n)
	}
	for _, s := range aws.Keys.Secrets() {
		if strings.Contains(page, s) || strings.Contains(text, s) {
			t.Fatalf("a secret (%s...) is on the page", s[:4])
		}
	}
}

// debugInfo reads the string attributes of a component's debug info from
// the UI's API, as the page will show them.
func debugInfo(t *testing.T, url string) map[string]string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		DebugInfo []struct {
			Name  string `json:"name"`
			Value struct {
				Type  string `json:"type"`
				Value any    `json:"value"`
			} `json:"value"`
		} `json:"debugInfo"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range info.DebugInfo {
		if s, ok := a.Value.Value.(string); ok && a.Value.Type == "string" {
			out[a.Name] = s
		}
	}
	for _, name := range []string{"credential_source", "access_key_id", "expiration", "identity_arn"} {
		if out[name] == "" {
			t.Fatalf("the API's debug info has no %s: %v", name, out)
		}
	}
	return out
}

// browse opens url in headless Chromium, waits until the page shows
// waitFor, and returns its HTML, its text, a screenshot and every console
// error, uncaught exception and failed load the browser logged.
func browse(t *testing.T, chromium, url, waitFor string) (html, text string, shot []byte, errs []string) {
	t.Helper()
	bctx := newBrowser(t, chromium)

	var mu sync.Mutex
	chromedp.ListenTarget(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				errs = append(errs, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			errs = append(errs, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				errs = append(errs, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	err := chromedp.Run(bctx,
		chromedp.Navigate(url),
		chromedp.Poll(fmt.Sprintf(`document.body.innerText.includes(%q)`, waitFor), nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.OuterHTML("html", &html),
		chromedp.Evaluate(`document.body.innerText`, &text),
		chromedp.FullScreenshot(&shot, 100),
	)
	if err != nil {
		t.Fatalf("browsing %s: %v", url, err)
	}
	mu.Lock()
	seen := append([]string(nil), errs...)
	mu.Unlock()

	// A canary proves the listener hears console errors at all.
	const canary = "canary: the test hears console errors"
	if err := chromedp.Run(bctx, chromedp.Evaluate(fmt.Sprintf(`console.error(%q)`, canary), nil)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the canary console error is heard", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(errs) > len(seen) && strings.Contains(strings.Join(errs[len(seen):], "\n"), canary)
	})
	return html, text, shot, seen
}

// newBrowser starts headless Chromium for the test, for at most a minute.
func newBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write into the
	// profile for a moment after the browser has exited, which made
	// t.TempDir's removal fail the test ("directory not empty").
	profile, err := os.MkdirTemp("", "aws-auth-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // registered first, so it runs after the browser is gone
		for i := 0; os.RemoveAll(profile) != nil && i < 50; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// Tall enough for the whole component page: its content scrolls
		// inside the window, so a full-page screenshot is the window.
		chromedp.WindowSize(1280, 2400),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// This chromedp predates some of Chromium's event fields; it reports
	// what it cannot decode, which the test log keeps.
	bctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancel)
	bctx, cancel = context.WithTimeout(bctx, time.Minute)
	t.Cleanup(cancel)
	return bctx
}

// lookChromium finds Debian's Chromium, which .ci/run installs.
func lookChromium(t *testing.T) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("no chromium (%v): apt-get install chromium (make test does)", err)
	}
	return chromium
}

// Without UI assets the agent's API works and the UI pages say how to
// build the UI.
func TestUIWithoutAssetsSaysHowToBuildIt(t *testing.T) {
	h := newHarness(t)
	h.start(`aws.auth "demo" {
	region            = "us-east-1"
	access_key_id     = "AKIAIOSFODNN7EXAMPLE"
	secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
}`)
	var status int
	var body []byte
	eventually(t, 15*time.Second, "the agent's HTTP server answers", func() bool {
		resp, err := http.Get("http://" + h.agent.Addr + "/component/aws.auth.demo")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		body, _ = io.ReadAll(resp.Body)
		return true
	})
	if info := h.componentJSON("aws.auth.demo"); info["name"] != "aws.auth" {
		t.Fatalf("the UI API: %v", info)
	}
	if status != http.StatusNotFound || !strings.Contains(string(body), "make ui") || !strings.Contains(string(body), "--ui.assets-dir") {
		t.Fatalf("%d %s", status, body)
	}
}
