package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// clusterConfig is each clustered agent's configuration: its own aws.auth
// (its own role session), the 30 targets scraped with clustering, and
// remote_write through its own gateway, labelled with the agent's name.
const clusterConfig = `
aws.auth "amp" {
	region            = "us-east-1"
	access_key_id     = env("DEMO_ACCESS_KEY_ID")
	secret_access_key = env("DEMO_SECRET_ACCESS_KEY")
	role_arn          = %q
	external_id       = %q
	session_name      = %q
	sts_endpoint      = env("DEMO_STS_ENDPOINT")

	http_client_config {
		proxy_url = env("DEMO_PROXY_URL")
		no_proxy  = "127.0.0.1"
		tls_config {
			ca_pem = env("DEMO_CA_PEM")
		}
	}
}

prometheus.scrape "fleet" {
	targets         = [%s]
	forward_to      = [prometheus.remote_write.amp.receiver]
	scrape_interval = "1s"
	scrape_timeout  = "500ms"

	clustering {
		enabled = true
	}
}

prometheus.remote_write "amp" {
	external_labels = {"agent" = %q}

	endpoint {
		url = aws.auth.amp.gateway_url + "/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-fleet/api/v1/remote_write"

		queue_config {
			batch_send_deadline = "500ms"
		}
	}
}
`

// ckitNeverRegisters are cluster_* names the mixin queries that the ckit
// version Grafana Agent v0.40.3 ships never exposes, so upstream's agent
// does not either: ckit defines the stream one but leaves it out of its
// registry, and has no packet one at all.
var ckitNeverRegisters = map[string]bool{
	"cluster_transport_rx_packets_failed_total":        true,
	"cluster_transport_stream_rx_packets_failed_total": true,
}

type clusterAgent struct {
	name, addr string
	cmd        *exec.Cmd
	out        *awsauthtest.SyncBuffer
	done       chan struct{}
}

// Three aws-agent processes cluster on loopback, each with its own
// aws.auth and gateway, and scrape 30 targets with clustering enabled
// through remote_write to a fake AMP that verifies every signature and
// accepts only the role's sessions. Every target is scraped by exactly one
// agent at a time, no agent takes more than twice its share, and when one
// agent stops the others take its targets over; AWS refuses nothing, the
// gateways refuse nothing, and no two agents sign with the same key.
func TestClusteredAgentsShareTheTargets(t *testing.T) {
	isolateEnv(t)
	bin := sharedAgent(t)
	aws := receivers.StartDemoAWS()
	t.Cleanup(aws.Close)
	aws.AMP.Endpoint.Verifier.Accept = awsauthtest.AssumedRole(receivers.DemoRoleARN)

	const nTargets = 30
	var targets []string
	for i := 0; i < nTargets; i++ {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "# TYPE fleet_target_value gauge\nfleet_target_value %d\n", i)
		}))
		t.Cleanup(srv.Close)
		targets = append(targets, fmt.Sprintf("{\"__address__\" = %q}", strings.TrimPrefix(srv.URL, "http://")))
	}

	names := []string{"node-a", "node-b", "node-c"}
	addrs := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	agents := make([]*clusterAgent, len(names))
	for i, name := range names {
		agents[i] = startClusterAgent(t, bin, aws, name, addrs[i], addrs, strings.Join(targets, ", "))
	}
	for _, a := range agents {
		a := a
		eventually(t, 60*time.Second, a.name+" sees three participants", func() bool {
			return participants(a.addr) == 3
		})
	}

	// Each target's series, by the agent whose external label it carries.
	owners := func(window time.Duration) map[string][]string {
		before := aws.AMP.Values("__name__=fleet_target_value")
		time.Sleep(window)
		after := aws.AMP.Values("__name__=fleet_target_value")
		out := map[string][]string{}
		for series, vs := range after {
			if len(vs) > len(before[series]) {
				out[labelOf(series, "instance")] = append(out[labelOf(series, "instance")], labelOf(series, "agent"))
			}
		}
		return out
	}
	// A window in which every target was scraped by exactly one agent,
	// after the cluster settled; its load per agent.
	settled := func(alive map[string]bool) (load map[string]int, last map[string][]string) {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			last = owners(4 * time.Second)
			load = map[string]int{}
			clean := len(last) == nTargets
			for _, by := range last {
				if len(by) != 1 || !alive[by[0]] {
					clean = false
					break
				}
				load[by[0]]++
			}
			if clean {
				return load, last
			}
		}
		t.Fatalf("no 4 s window within 60 s in which each of the %d targets was scraped by exactly one live agent; last window: %v", nTargets, last)
		return nil, nil
	}

	load, _ := settled(map[string]bool{"node-a": true, "node-b": true, "node-c": true})
	t.Logf("targets per agent, three agents: %v", load)
	for _, name := range names {
		if load[name] > 2*nTargets/len(names) {
			t.Errorf("%s scrapes %d targets, more than twice its share of %d", name, load[name], nTargets/len(names))
		}
	}

	// node-c leaves; node-a and node-b take its targets over.
	stopped := time.Now()
	agents[2].stop(t)
	load, _ = settled(map[string]bool{"node-a": true, "node-b": true})
	t.Logf("targets per agent after node-c stopped (%s): %v", time.Since(stopped).Round(time.Second), load)
	if took := time.Since(stopped); took > 30*time.Second {
		t.Errorf("the targets of the stopped agent were taken over after %s, later than the 30 s the test allows", took)
	}

	if _, rejected := aws.AMP.Endpoint.Counts(); len(rejected) != 0 {
		t.Errorf("the fake AMP rejected requests: %v", rejected)
	}
	for _, a := range agents[:2] {
		for reason, n := range refusalsAt(t, a.addr, "aws.auth.amp") {
			if n != 0 {
				t.Errorf("%s's gateway refused %v requests for %s", a.name, n, reason)
			}
		}
	}
	sessions := map[string]bool{}
	for s := range aws.AMP.Endpoint.Signers() {
		if !s.Session || s.Region != "us-east-1" || s.Service != "aps" {
			t.Errorf("a request signed by %+v", s)
		}
		sessions[s.ARN] = true
	}
	for _, name := range names {
		if want := "arn:aws:sts::444455556666:assumed-role/demo-telemetry-writer/" + name; !sessions[want] {
			t.Errorf("no request signed by %s's own session %s; signers: %v", name, want, sessions)
		}
	}
	if len(sessions) != len(names) {
		t.Errorf("%d signers for %d agents: %v", len(sessions), len(names), sessions)
	}
	// The agent mixin's clustering dashboards work: a clustered agent
	// exposes every cluster_* metric they query.
	_, page := getPage(t, "http://"+agents[0].addr+"/metrics")
	exposed := exposedNames(page)
	var clusterNames []string
	for _, name := range mixinMetricNames(t) {
		if strings.HasPrefix(name, "cluster_") {
			clusterNames = append(clusterNames, name)
			if !exposed[name] && !ckitNeverRegisters[name] {
				t.Errorf("a clustered agent does not expose %s, which the mixin's dashboards query", name)
			}
		}
	}
	if len(clusterNames) == 0 {
		t.Error("the mixin's dashboards query no cluster_* metric: the check above checked nothing")
	}
}

func startClusterAgent(t *testing.T, bin string, aws *receivers.FakeAWS, name, addr string, peers []string, targets string) *clusterAgent {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "config.river")
	body := fmt.Sprintf(clusterConfig, receivers.DemoRoleARN, receivers.DemoExternalID, name, targets, name)
	if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var join []string
	for _, p := range peers {
		if p != addr {
			join = append(join, p)
		}
	}
	a := &clusterAgent{name: name, addr: addr, out: &awsauthtest.SyncBuffer{}, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	a.cmd = exec.CommandContext(ctx, bin, "run", config,
		"--server.http.listen-addr", addr, "--storage.path", filepath.Join(dir, "data"),
		"--cluster.enabled", "--cluster.node-name", name, "--cluster.advertise-address", addr,
		"--cluster.join-addresses", strings.Join(join, ","), "--cluster.rejoin-interval", "5s")
	a.cmd.Env = append(os.Environ(), receivers.DemoEnv{
		AccessKeyID: receivers.DemoAccessKeyID, SecretAccessKey: receivers.DemoSecretAccessKey,
		STSEndpoint: aws.STSURL, ProxyURL: aws.Proxy.URL, CAPEM: aws.Server.CAPEM,
	}.Vars()...)
	a.cmd.Stdout, a.cmd.Stderr = a.out, a.out
	if err := a.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { _ = a.cmd.Wait(); close(a.done); cancel() }()
	t.Cleanup(func() {
		a.stop(t)
		if t.Failed() {
			t.Logf("%s's output:\n%s", name, a.out.Bytes())
		}
	})
	return a
}

// stop interrupts the agent, as a rolling update does, and waits for it.
func (a *clusterAgent) stop(t *testing.T) {
	select {
	case <-a.done:
		return
	default:
	}
	_ = a.cmd.Process.Signal(os.Interrupt)
	select {
	case <-a.done:
	case <-time.After(15 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.done
		t.Errorf("%s did not stop within 15 s of an interrupt", a.name)
	}
}

// participants counts the participants among the peers an agent's UI API lists.
func participants(addr string) int {
	resp, err := http.Get("http://" + addr + "/api/v0/web/peers")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var peers []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	}
	if json.NewDecoder(resp.Body).Decode(&peers) != nil {
		return 0
	}
	n := 0
	for _, p := range peers {
		if p.State == "participant" {
			n++
		}
	}
	return n
}

// labelOf reads a label out of the fake AMP's series key {a=b,c=d}.
func labelOf(series, name string) string {
	for _, kv := range strings.Split(strings.Trim(series, "{}"), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
