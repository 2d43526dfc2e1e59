package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	_ "github.com/flow-aws-auth/flow-aws-auth/component/aws/auth"
	_ "github.com/flow-aws-auth/flow-aws-auth/component/otelcol/exporter/awss3"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/grafana/agent/component"
	_ "github.com/grafana/agent/component/all"
	"github.com/grafana/agent/pkg/flow"
)

const (
	baseKeyID  = "AKIAIOSFODNN7EXAMPLE"
	baseSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	baseARN    = "arn:aws:iam::111122223333:user/agent"
	roleARN    = "arn:aws:iam::444455556666:role/telemetry-writer"
	externalID = "tenant-42"
)

// harness is a fake AWS (an STS and a keyring) and an agent under test.
type harness struct {
	t      *testing.T
	keys   *awsauthtest.Keyring
	sts    *fakeaws.STS
	stsURL string
	logs   *awsauthtest.SyncBuffer
	agent  *agentrun.Agent
	dir    string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	isolateEnv(t)
	keys := awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, ARN: baseARN, Account: "111122223333", UserID: "AIDAEXAMPLEUSER"})
	sts := &fakeaws.STS{Keys: keys}
	sts.RequireExternalID(roleARN, externalID)
	h := &harness{t: t, keys: keys, sts: sts, logs: &awsauthtest.SyncBuffer{}, dir: t.TempDir()}
	h.stsURL = h.serve(sts)
	t.Cleanup(func() {
		if t.Failed() {
			logs := h.logs.Bytes()
			if len(logs) > 20000 {
				logs = logs[len(logs)-20000:]
			}
			t.Logf("agent logs (tail):\n%s", logs)
		}
	})
	return h
}

// serve starts handler on loopback and returns its URL.
func (h *harness) serve(handler http.Handler) string {
	srv := httptest.NewServer(handler)
	h.t.Cleanup(srv.Close)
	return srv.URL
}

// start runs an agent on config, in which ${STS} stands for the fake STS.
func (h *harness) start(config string) {
	h.t.Helper()
	if err := h.load(config); err != nil {
		h.t.Fatalf("loading config: %v\n%s", err, config)
	}
}

func (h *harness) load(config string) error {
	config = strings.ReplaceAll(config, "${STS}", h.stsURL)
	src, err := flow.ParseSource("config.river", []byte(config))
	if err != nil {
		return err
	}
	a, err := agentrun.Start(context.Background(), agentrun.Options{
		ListenAddr:  freeAddr(h.t),
		StoragePath: h.dir,
		LogWriter:   h.logs,
		LogLevel:    "debug",
		Load:        func() (*flow.Source, error) { return src, nil },
	})
	if err != nil {
		return err
	}
	h.agent = a
	h.t.Cleanup(a.Stop)
	return nil
}

// health returns the health of a component.
func (h *harness) health(id string) component.Health {
	info, err := h.agent.Flow.GetComponent(component.ParseID(id), component.InfoOptions{GetHealth: true})
	if err != nil {
		h.t.Fatal(err)
	}
	return info.Health
}

// get fetches a path of the agent's HTTP server.
func (h *harness) get(path string) []byte {
	h.t.Helper()
	resp, err := http.Get("http://" + h.agent.Addr + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		h.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// componentJSON is the UI API's detail of a component.
func (h *harness) componentJSON(id string) map[string]any {
	var out map[string]any
	if err := json.Unmarshal(h.get("/api/v0/web/components/"+id), &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// secrets lists every secret the fake AWS knows: the base key and each
// issued session's secret and token.
func (h *harness) secrets() []string {
	return h.keys.Secrets()
}

// assertNoSecret fails if any secret appears in text.
func (h *harness) assertNoSecret(where string, text []byte) {
	h.t.Helper()
	for _, s := range h.secrets() {
		if len(s) >= 8 && bytes.Contains(text, []byte(s)) {
			h.t.Fatalf("a secret (%s...) appears in %s", s[:4], where)
		}
	}
}

var eventually = awsauthtest.Eventually

// freeAddr hands out a loopback address for a server that must be told
// its address before it starts (an agent, an OTLP receiver in a config).
// A port the kernel picked for a closed :0 listener could be taken again
// before the server binds it — by any socket of any package's tests
// running in parallel, outgoing connections included. So the ports come
// from below the kernel's ephemeral range, which :0 listeners and
// outgoing connections draw from, are checked free, and are never handed
// out twice by this process (the only one whose tests take fixed ports).
func freeAddr(t *testing.T) string {
	t.Helper()
	ports.mu.Lock()
	defer ports.mu.Unlock()
	if ports.next == 0 {
		ports.next = 20000 + rand.IntN(2000)
		ports.limit = 32768
		if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
			if lo, err := strconv.Atoi(strings.Fields(string(b))[0]); err == nil {
				ports.limit = lo
			}
		}
	}
	for ; ports.next < ports.limit; ports.next++ {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports.next))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			ports.next++
			return addr
		}
	}
	t.Fatalf("no free port below the ephemeral range (%d)", ports.limit)
	return ""
}

var ports struct {
	mu          sync.Mutex
	next, limit int
}

func isolateEnv(t *testing.T) { awsauthtest.IsolateEnv(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	if agentBin != "" {
		os.RemoveAll(filepath.Dir(agentBin))
	}
	os.Exit(code)
}
