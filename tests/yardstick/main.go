// Command yardstick measures what the signing gateway costs an agent, as a
// user would feel it: two `aws-agent run` processes side by side in one
// run, each scraping the same target of many series every second and
// writing to the same SigV4-verifying AMP sink over TLS behind a proxy —
// one with prometheus.remote_write's built-in sigv4 block, one through
// aws.auth's gateway. It reports each agent's CPU seconds per million
// samples delivered and their ratio (the goal: at most 1.05). Run by hand
// (tests/yardstick.sh), not in CI: it needs an idle machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gogo/protobuf/proto"
	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// The agents sign with AWS's documented example keys, the demo's: they
// exist nowhere but in the sink's keyring.
const (
	keyID  = receivers.DemoAccessKeyID
	secret = receivers.DemoSecretAccessKey
	host   = "aps-workspaces.us-east-1.amazonaws.com"
)

func main() {
	bin := flag.String("agent", "build/aws-agent", "the aws-agent binary")
	series := flag.Int("series", 40000, "series the target exposes, scraped every second")
	warmup := flag.Duration("warmup", 30*time.Second, "time before measuring")
	duration := flag.Duration("duration", 120*time.Second, "time measured")
	profile := flag.String("profile", "", "write a CPU profile of the gateway agent over the time measured to this file")
	idle := flag.Int("components", 0, "idle components added to both agents' configurations, as a user's configuration has more than the three measured")
	flag.Parse()
	if err := run(*bin, *series, *warmup, *duration, *profile, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "yardstick:", err)
		os.Exit(1)
	}
}

// sink counts the samples each workspace received, verified.
type sink struct {
	verifier *awsauthtest.Verifier
	samples  map[string]*atomic.Int64
	rejected atomic.Int64
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if _, verr := s.verifier.Verify(r, body); verr != nil {
		s.rejected.Add(1)
		verr.Write(w)
		return
	}
	workspace := strings.Split(r.URL.Path, "/")[2]
	count, ok := s.samples[workspace]
	raw, err := snappy.Decode(nil, body)
	var req prompb.WriteRequest
	if !ok || err != nil || proto.Unmarshal(raw, &req) != nil {
		http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	n := 0
	for _, ts := range req.Timeseries {
		n += len(ts.Samples)
	}
	count.Add(int64(n))
}

func run(bin string, series int, warmup, duration time.Duration, profile string, idle int) error {
	s := &sink{
		verifier: &awsauthtest.Verifier{Keys: awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: keyID, SecretAccessKey: secret}), Service: "aps", JSON: true},
		samples:  map[string]*atomic.Int64{"ws-builtin": {}, "ws-gateway": {}},
	}
	aws := pki.NewAWSServer(s, "*.us-east-1.amazonaws.com")
	defer aws.Close()
	proxy := pki.NewProxy(aws.Listener.Addr().String())
	defer proxy.Close()

	target, err := serveTarget(series)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "yardstick-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	agents, listens := map[string]*exec.Cmd{}, map[string]string{}
	for _, name := range []string{"builtin", "gateway"} {
		listen, err := freeAddr()
		if err != nil {
			return err
		}
		config := filepath.Join(dir, name+".river")
		if err := os.WriteFile(config, []byte(configFor(name, target, proxy.URL, aws.CAPEM)+idleComponents(idle)), 0o600); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bin, "run", config, "--server.http.listen-addr="+listen, "--storage.path="+filepath.Join(dir, name), "--server.http.enable-pprof="+strconv.FormatBool(profile != ""))
		listens[name] = listen
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			return err
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		agents[name] = cmd
	}
	fmt.Printf("two agents scraping %d series every second, %d idle components each; warming up for %s, then measuring for %s\n", series, idle, warmup, duration)
	time.Sleep(warmup)
	cpu0, samples0 := map[string]float64{}, map[string]int64{}
	for name, cmd := range agents {
		if cpu0[name], err = cpuSeconds(cmd.Process.Pid); err != nil {
			return fmt.Errorf("%s: %w (did it start? try it by hand)", name, err)
		}
		samples0[name] = s.samples["ws-"+name].Load()
	}
	if profile != "" {
		if err := cpuProfile(profile, listens["gateway"], duration); err != nil {
			return err
		}
	} else {
		time.Sleep(duration)
	}
	per := map[string]float64{}
	for _, name := range []string{"builtin", "gateway"} {
		cpu, err := cpuSeconds(agents[name].Process.Pid)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		delivered := s.samples["ws-"+name].Load() - samples0[name]
		if delivered == 0 {
			return fmt.Errorf("%s delivered no samples (%d requests rejected)", name, s.rejected.Load())
		}
		per[name] = (cpu - cpu0[name]) / (float64(delivered) / 1e6)
		fmt.Printf("%-8s %6.1f CPU s  %10d samples delivered  %.2f CPU s per million samples\n", name, cpu-cpu0[name], delivered, per[name])
	}
	fmt.Printf("gateway / built-in sigv4: %.3fx (goal: at most 1.05x); %d requests rejected\n", per["gateway"]/per["builtin"], s.rejected.Load())
	return nil
}

func configFor(name, target, proxyURL, caPEM string) string {
	scrape := fmt.Sprintf(`prometheus.scrape "load" {
	targets         = [{"__address__" = %q}]
	forward_to      = [prometheus.remote_write.amp.receiver]
	scrape_interval = "1s"
	scrape_timeout  = "900ms"
}
`, target)
	if name == "builtin" {
		return scrape + fmt.Sprintf(`prometheus.remote_write "amp" {
	endpoint {
		url       = "https://%s/workspaces/ws-builtin/api/v1/remote_write"
		proxy_url = %q
		tls_config {
			ca_pem = %q
		}
		sigv4 {
			region     = "us-east-1"
			access_key = %q
			secret_key = %q
		}
	}
}
`, host, proxyURL, caPEM, keyID, secret)
	}
	return scrape + fmt.Sprintf(`aws.auth "amp" {
	region            = "us-east-1"
	access_key_id     = %q
	secret_access_key = %q
	verify_identity   = false
	http_client_config {
		proxy_url = %q
		tls_config {
			ca_pem = %q
		}
	}
}

prometheus.remote_write "amp" {
	endpoint {
		url = aws.auth.amp.gateway_url + "/%s/workspaces/ws-gateway/api/v1/remote_write"
	}
}
`, keyID, secret, proxyURL, caPEM, host)
}

// idleComponents are n components that do nothing: a configuration's
// size, which the agent's component router once paid for per request.
func idleComponents(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "prometheus.relabel \"idle_%d\" {\n\tforward_to = []\n}\n", i)
	}
	return b.String()
}

// serveTarget serves /metrics with n series whose values change.
func serveTarget(n int) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var tick atomic.Int64
	go func() {
		_ = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := tick.Add(1)
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			var b strings.Builder
			b.WriteString("# TYPE yardstick_value gauge\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "yardstick_value{series=\"%d\"} %d\n", i, v+int64(i))
			}
			_, _ = io.WriteString(w, b.String())
		}))
	}()
	return l.Addr().String(), nil
}

// cpuSeconds is a process's user and system CPU time, from /proc.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses: utime is
	// the 14th field of the line, stime the 15th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("reading /proc/%d/stat", pid)
	}
	return (utime + stime) / 100, nil // USER_HZ
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// cpuProfile writes the agent at listen's CPU profile over d to file.
func cpuProfile(file, listen string, d time.Duration) error {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", listen, int(d.Seconds())))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %d %v", resp.StatusCode, err)
	}
	return os.WriteFile(file, b, 0o644)
}
