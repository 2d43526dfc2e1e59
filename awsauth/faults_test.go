package awsauth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// The fault matrix. Each fault is injected under a steady load of signed
// requests from a client that retries failed requests, as remote_write and
// loki.write do. Every request must arrive, nothing a user can see (the
// errors the client got, every health message, the status) may hold a
// secret, and health must name the fault while it lasts and recover after.
// The table it logs is the one in docs/testing.md; FAULT_REPORT=FILE writes it
// to FILE too.
func TestFaultMatrix(t *testing.T) {
	var rows []string
	for _, f := range faults {
		if testing.Short() && !shortFaults[f.name] {
			continue
		}
		t.Run(strings.ReplaceAll(f.name, " ", "_"), func(t *testing.T) {
			sent, lost, leaked := f.run(t)
			rows = append(rows, fmt.Sprintf("| %s | %d | %d | %d |", f.name, sent, lost, leaked))
		})
	}
	table := "| Fault injected | Requests sent | Requests lost | Secrets leaked |\n|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
	t.Logf("fault matrix:\n%s", table)
	if file := os.Getenv("FAULT_REPORT"); file != "" {
		if err := os.WriteFile(file, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// shortFaults are the rows -short runs (make check), one of each kind of
// fault: a source refusing, a file rewritten, the clock, the upstream.
// make test runs them all.
var shortFaults = map[string]bool{
	"STS throttling (Throttling 400)":   true,
	"shared credentials file rewritten": true,
	"clock 10 minutes fast":             true,
	"upstream 503 storm":                true,
}

type fault struct {
	name string
	// setup points the credential sources at the fakes and returns the
	// Config under test.
	setup func(t *testing.T, e *faultEnv) Config
	// inject and heal start and end the fault; hold is how long it lasts.
	inject, heal func(t *testing.T, e *faultEnv)
	hold         time.Duration
	// during is what some health message says while the fault lasts:
	// words that only this fault produces. Empty for faults that must go
	// unnoticed, for which every health message during the fault must be
	// healthy and without a note.
	during string
	// unhealthy: some health during the fault must be unhealthy (the
	// credentials ran out); otherwise every one must be healthy, unless
	// mayFlap: health may turn unhealthy for a moment (a rejection shows
	// until its retry succeeds).
	unhealthy, mayFlap bool
	// check, when set, asserts what the fault should have changed.
	check func(t *testing.T, e *faultEnv)
}

// faultEnv is a fake AWS whose parts can fail on command: STS, IMDS, a
// container endpoint and a service endpoint verifying SigV4 for
// logs.us-east-1.
type faultEnv struct {
	dir     string
	keys    *awsauthtest.Keyring
	sts     *fakeaws.STS
	stsURL  string
	imds    *fakeaws.IMDS
	imdsURL string
	box     *fakeaws.Container
	boxURL  string
	ep      *fakeaws.Endpoint
	epURL   string

	stsDown  atomic.Bool
	upstream atomic.Int32 // one of the upstream* faults
	skew     atomic.Int64 // AWS's clock minus ours
	closes   atomic.Int64

	mu        sync.Mutex
	signers   map[string]bool // access key ids the endpoint accepted
	delivered map[string]bool // request ids the endpoint accepted
}

const (
	upstreamHealthy int32 = iota
	upstream503
	upstreamCloseMidBody
)

const (
	faultKeyID  = "AKIAFAULTEXAMPLE0001"
	faultSecret = "faultSecretAccessKeyEXAMPLE0123456789abc"
)

func newFaultEnv(t *testing.T) *faultEnv {
	isolateEnv(t)
	e := &faultEnv{dir: t.TempDir(), signers: map[string]bool{}, delivered: map[string]bool{}}
	e.keys = awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: faultKeyID, SecretAccessKey: faultSecret, ARN: awsauthtest.UserARN, Account: "111122223333", UserID: "AIDAFAULTUSER"})
	e.sts = &fakeaws.STS{Keys: e.keys, TTL: 3 * time.Second}
	e.stsURL = e.serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.stsDown.Load() {
			awsauthtest.HangUp(w)
			return
		}
		e.sts.ServeHTTP(w, r)
	}))
	e.imds = &fakeaws.IMDS{Keys: e.keys, TTL: 3 * time.Second}
	e.imdsURL = e.serve(t, e.imds)
	e.box = &fakeaws.Container{Keys: e.keys, TTL: 3 * time.Second}
	e.boxURL = e.serve(t, e.box) + "/v2/credentials"
	verifier := &awsauthtest.Verifier{Keys: e.keys, Service: "logs", Region: "us-east-1", JSON: true,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }}
	e.ep = &fakeaws.Endpoint{Verifier: verifier, Next: func(w http.ResponseWriter, _ *http.Request, body []byte, caller awsauthtest.Caller) {
		id, _, _ := bytes.Cut(body, []byte("\n"))
		e.mu.Lock()
		e.signers[caller.Key.AccessKeyID] = true
		e.delivered[string(id)] = true
		e.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}}
	e.epURL = e.serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch e.upstream.Load() {
		case upstream503:
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"__type":"ServiceUnavailableException","message":"Service Unavailable"}`))
			return
		case upstreamCloseMidBody:
			if e.closes.Add(1)%2 == 1 {
				_, _ = io.ReadFull(r.Body, make([]byte, 512))
				awsauthtest.HangUp(w)
				return
			}
		}
		e.ep.ServeHTTP(w, r)
	}))
	return e
}

func (e *faultEnv) serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (e *faultEnv) signedBy(keyID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.signers[keyID]
}

func (e *faultEnv) write(t *testing.T, name, content string) string {
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// assumeRole assumes the role with the base keys; the endpoint then takes
// the role's sessions only, so a request signed with the base keys fails.
func assumeRole(_ *testing.T, e *faultEnv) Config {
	e.ep.Verifier.Accept = awsauthtest.AssumedRole(awsauthtest.RoleARN)
	return Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: faultKeyID, SecretAccessKey: faultSecret, RoleARN: awsauthtest.RoleARN, STSEndpoint: e.stsURL}}
}

const newKeyID, newSecret = "AKIAFAULTEXAMPLE0002", "faultRotatedSecretKeyEXAMPLE0123456789ab"

var faults = []fault{
	{
		name:      "STS unreachable past expiry",
		setup:     assumeRole,
		inject:    func(_ *testing.T, e *faultEnv) { e.stsDown.Store(true) },
		heal:      func(_ *testing.T, e *faultEnv) { e.stsDown.Store(false) },
		hold:      5 * time.Second,
		during:    "sts:AssumeRole: request send failed: ",
		unhealthy: true,
	},
	{
		name:  "STS throttling (Throttling 400)",
		setup: assumeRole,
		inject: func(_ *testing.T, e *faultEnv) {
			e.sts.Fail("AssumeRole", &awsauthtest.Error{Status: 400, Code: "Throttling", Message: "Rate exceeded"})
		},
		heal:   func(_ *testing.T, e *faultEnv) { e.sts.Fail("AssumeRole", nil) },
		hold:   4 * time.Second,
		during: "(refresh failing, retrying: static, then sts:AssumeRole " + awsauthtest.RoleARN + ": sts:AssumeRole: Throttling: Rate exceeded)",
		// Throttled longer than the 3 s credentials last: they run out.
		unhealthy: true,
	},
	{
		name: "IMDS token endpoint hanging",
		setup: func(t *testing.T, e *faultEnv) Config {
			t.Setenv("AWS_EC2_METADATA_DISABLED", "")
			t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", e.imdsURL)
			return Config{Credentials: chain.Config{Region: "us-east-1"}}
		},
		inject:    func(_ *testing.T, e *faultEnv) { e.imds.HangToken.Store(true) },
		heal:      func(_ *testing.T, e *faultEnv) { e.imds.HangToken.Store(false) },
		hold:      7 * time.Second,
		during:    "failed to get API token",
		unhealthy: true,
	},
	{
		name: "container endpoint answering 500",
		setup: func(t *testing.T, e *faultEnv) Config {
			t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", e.boxURL)
			return Config{Credentials: chain.Config{Region: "us-east-1"}}
		},
		inject:    func(_ *testing.T, e *faultEnv) { e.box.Status.Store(500) },
		heal:      func(_ *testing.T, e *faultEnv) { e.box.Status.Store(0) },
		hold:      5 * time.Second,
		during:    "container: InternalError: the credentials agent failed",
		unhealthy: true,
	},
	{
		name: "web identity token file rotated",
		setup: func(t *testing.T, e *faultEnv) Config {
			e.sts.AcceptWebIdentityTokens("oidc-token-1")
			e.ep.Verifier.Accept = awsauthtest.AssumedRole(awsauthtest.RoleARN)
			return Config{Credentials: chain.Config{Region: "us-east-1", WebIdentityTokenFile: e.write(t, "token", "oidc-token-1"), RoleARN: awsauthtest.RoleARN, STSEndpoint: e.stsURL}}
		},
		inject: func(t *testing.T, e *faultEnv) {
			e.write(t, "token", "oidc-token-2")
			e.sts.AcceptWebIdentityTokens("oidc-token-2")
		},
		heal: func(*testing.T, *faultEnv) {},
		hold: 4 * time.Second,
		check: func(t *testing.T, e *faultEnv) {
			for _, c := range e.sts.CallsOf("AssumeRoleWithWebIdentity") {
				if c.Params.Get("WebIdentityToken") == "oidc-token-2" {
					return
				}
			}
			t.Error("the rotated token was never presented")
		},
	},
	{
		name: "shared credentials file rewritten",
		setup: func(t *testing.T, e *faultEnv) Config {
			e.keys.Add(awsauthtest.Key{AccessKeyID: newKeyID, SecretAccessKey: newSecret, ARN: awsauthtest.UserARN})
			file := e.write(t, "credentials", fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", faultKeyID, faultSecret))
			return Config{Credentials: chain.Config{Region: "us-east-1", SharedCredentialsFiles: []string{file}, SharedConfigFiles: []string{e.write(t, "config", "")}}}
		},
		inject: func(t *testing.T, e *faultEnv) {
			e.write(t, "credentials", fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", newKeyID, newSecret))
		},
		heal: func(*testing.T, *faultEnv) {},
		hold: 2 * time.Second,
		check: func(t *testing.T, e *faultEnv) {
			if !e.signedBy(newKeyID) {
				t.Error("no request was signed with the rewritten file's key")
			}
		},
	},
	{
		name: "credentials expiring every 2 s",
		setup: func(t *testing.T, e *faultEnv) Config {
			e.sts.TTL = 2 * time.Second
			return assumeRole(t, e)
		},
		inject: func(*testing.T, *faultEnv) {},
		heal:   func(*testing.T, *faultEnv) {},
		hold:   8 * time.Second,
	},
	{
		name:   "clock 10 minutes fast",
		setup:  assumeRole,
		inject: func(_ *testing.T, e *faultEnv) { e.skew.Store(int64(-10 * time.Minute)) },
		heal:   func(_ *testing.T, e *faultEnv) { e.skew.Store(0) },
		hold:   2 * time.Second,
		during: " seconds ahead of AWS; requests are signed with AWS's time)",
		// Between AWS's RequestTimeTooSkewed and the re-signed retry's
		// success, health says RequestTimeTooSkewed.
		mayFlap: true,
	},
	{
		name:   "upstream 503 storm",
		setup:  assumeRole,
		inject: func(_ *testing.T, e *faultEnv) { e.upstream.Store(upstream503) },
		heal:   func(_ *testing.T, e *faultEnv) { e.upstream.Store(upstreamHealthy) },
		hold:   3 * time.Second,
		// The credentials are fine: aws.auth stays healthy and says
		// what the service answers.
		during: "requests failing, not for auth: logs.us-east-1.amazonaws.com answered HTTP 503 ServiceUnavailableException",
	},
	{
		name:   "upstream closing connections mid-body",
		setup:  assumeRole,
		inject: func(_ *testing.T, e *faultEnv) { e.upstream.Store(upstreamCloseMidBody) },
		heal:   func(_ *testing.T, e *faultEnv) { e.upstream.Store(upstreamHealthy) },
		hold:   3 * time.Second,
		during: "requests failing, not for auth: logs.us-east-1.amazonaws.com: no response: ",
	},
}

// run drives the fault and returns what was sent, lost and leaked.
func (f fault) run(t *testing.T) (sent, lost, leaked int) {
	e := newFaultEnv(t)
	cfg := f.setup(t, e)
	a, err := New(cfg, Options{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second, Recheck: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)

	seen := &seenTexts{}
	healthDuring, unhealthyDuring := &seenTexts{}, &seenTexts{}
	var inFault atomic.Bool
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	var stopWatching sync.Once
	endWatch := func() { stopWatching.Do(func() { close(stopWatch); <-watched }) }
	defer endWatch() // also when the test fails half way
	go func() {
		defer close(watched)
		for {
			s := a.Status()
			h := s.Health(time.Now())
			// The whole status, as debug info and health are made of it.
			seen.add(h.Message)
			seen.add(fmt.Sprintf("%+v", s.Credentials))
			seen.add(fmt.Sprintf("%+v %v", s.Requests.Responses, s.Requests.Retries))
			if err := s.Credentials.LastError; err != nil {
				seen.add(err.Error())
			}
			if e := s.Requests.LastError; e != nil {
				seen.add(fmt.Sprintf("%+v", *e))
			}
			if inFault.Load() {
				healthDuring.add(h.Message)
				if !h.Healthy {
					unhealthyDuring.add(h.Message)
				}
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	stop := make(chan struct{})
	l := &loadClient{tr: a.Transport(nil, ""), url: e.epURL, seen: seen}
	done := l.start(stop, 2)
	var stopLoading sync.Once
	endLoad := func() { stopLoading.Do(func() { close(stop); <-done }) }
	defer endLoad()
	awsauthtest.Eventually(t, 10*time.Second, "requests flow before the fault", func() bool {
		ok, _ := e.ep.Counts()
		return ok >= 5
	})
	inFault.Store(true)
	f.inject(t, e)
	time.Sleep(f.hold)
	f.heal(t, e)
	time.Sleep(200 * time.Millisecond) // health of the fault's last moments
	inFault.Store(false)
	time.Sleep(1500 * time.Millisecond)
	endLoad()
	var after Health
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		after = a.Status().Health(time.Now())
		if after.Healthy && !strings.Contains(after.Message, "failing") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy without a note 10s after the fault: %s", after.Message)
		}
	}
	endWatch()

	sent = l.sent()
	e.mu.Lock()
	for i := 0; i < sent; i++ {
		if !e.delivered[requestID(i)] {
			lost++
		}
	}
	e.mu.Unlock()
	secrets := append(e.keys.Secrets(), faultSecret, newSecret)
	for _, text := range seen.all() {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				leaked++
				t.Errorf("a secret (%s...) in: %s", s[:4], strings.ReplaceAll(text, s, "****"))
			}
		}
	}

	if lost != 0 {
		t.Errorf("%d of %d requests lost; the client saw: %v", lost, sent, seen.all())
	}
	if f.during != "" && !healthDuring.contains(f.during) {
		t.Errorf("no health message said %q during the fault; they said: %q", f.during, healthDuring.all())
	}
	if f.during == "" {
		for _, m := range healthDuring.all() {
			if strings.Contains(m, "(") {
				t.Errorf("the fault should go unnoticed, but health said: %q", m)
			}
		}
	}
	switch unhealthy := unhealthyDuring.all(); {
	case f.unhealthy && len(unhealthy) == 0:
		t.Errorf("health stayed healthy through the fault: %q", healthDuring.all())
	case !f.unhealthy && !f.mayFlap && len(unhealthy) > 0:
		t.Errorf("health went unhealthy during the fault: %q", unhealthy)
	}
	if f.check != nil {
		f.check(t, e)
	}
	t.Logf("health during the fault: %q; after: %q", healthDuring.all(), after.Message)
	return sent, lost, leaked
}

func requestID(i int) string { return fmt.Sprintf("request %06d", i) }

// loadClient sends numbered requests with 2 KiB bodies and retries each
// until it is accepted, with a backoff from 50 ms to 500 ms; it gives up on
// a request (which then counts as lost) 30 s after being told to stop.
type loadClient struct {
	tr   http.RoundTripper
	url  string
	seen *seenTexts
	next atomic.Int64
}

func (l *loadClient) sent() int { return int(l.next.Load()) }

func (l *loadClient) start(stop <-chan struct{}, workers int) <-chan struct{} {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l.deliver(int(l.next.Add(1)-1), stop)
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

func (l *loadClient) deliver(id int, stop <-chan struct{}) {
	body := requestID(id) + "\n" + strings.Repeat("x", 2048)
	var giveUp <-chan time.Time
	backoff := 50 * time.Millisecond
	for {
		req, _ := http.NewRequest(http.MethodPost, l.url+"/v1/logs", strings.NewReader(body))
		req.Host = "logs.us-east-1.amazonaws.com"
		req.Header.Set("Content-Type", "application/x-protobuf")
		resp, err := l.tr.RoundTrip(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
			l.seen.add(fmt.Sprintf("HTTP %d %s", resp.StatusCode, b))
		} else {
			l.seen.add(err.Error())
		}
		if giveUp == nil {
			select {
			case <-stop:
				giveUp = time.After(30 * time.Second)
			default:
			}
		}
		select {
		case <-giveUp:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// seenTexts is the set of messages a user could have seen.
type seenTexts struct {
	mu    sync.Mutex
	texts map[string]bool
}

func (s *seenTexts) add(text string) {
	if text == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.texts == nil {
		s.texts = map[string]bool{}
	}
	s.texts[text] = true
}

func (s *seenTexts) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.texts))
	for text := range s.texts {
		out = append(out, text)
	}
	return out
}

func (s *seenTexts) contains(sub string) bool {
	for _, text := range s.all() {
		if strings.Contains(text, sub) {
			return true
		}
	}
	return false
}
