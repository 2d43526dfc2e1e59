//go:build !race

package herd

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

const (
	agents = 10000
	// STS answers this many calls a second and Throttling beyond.
	stsLimit = 100
	// Time runs three times faster than in life: STS's 15-minute
	// credentials last 5 minutes here and the default 5-minute expiry
	// window is 100 s. The rate limit is not scaled, so the steady state
	// asks three times more of STS than a real fleet would.
	ttl    = 5 * time.Minute
	window = 100 * time.Second
	// How long the steady state is watched once every agent has credentials.
	watch = 150 * time.Second

	baseKeyID  = "AKIAHERDEXAMPLE00001"
	baseSecret = "herdSecretAccessKeyEXAMPLE0123456789abcd"
	role       = "arn:aws:iam::444455556666:role/fleet-telemetry-writer"
	externalID = "fleet-external-id"
)

// refresh is one refresh's outcome, as an agent's OnRefresh saw it.
type refresh struct {
	agent int
	at    time.Time
	ok    bool
}

type recorder struct {
	mu        sync.Mutex
	refreshes []refresh
	first     []time.Time // per agent: when it first had credentials
	have      int
}

func (r *recorder) onRefresh(agent int) func(error) {
	return func(err error) {
		now := time.Now()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.refreshes = append(r.refreshes, refresh{agent: agent, at: now, ok: err == nil})
		if err == nil && r.first[agent].IsZero() {
			r.first[agent] = now
			r.have++
		}
	}
}

func (r *recorder) withCredentials() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.have
}

// 10,000 agents start within one second against an STS that serves 100
// calls a second. All must obtain credentials, and once they have, their
// refreshes must spread over time rather than arrive as a herd: the
// busiest second of calls offered to STS carries less than three times
// the mean.
func TestFleetAgainstThrottledSTS(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	keys := awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, ARN: "arn:aws:iam::111122223333:user/fleet", Account: "111122223333", UserID: "AIDAFLEETUSER"})
	sts := &awsauthtest.STS{Keys: keys, TTL: ttl, RateLimit: stsLimit}
	sts.RequireExternalID(role, externalID)
	srv := httptest.NewServer(sts)
	defer srv.Close()
	// In life each agent has its own connections; here they share a pool,
	// capped to stay within the process's file descriptors.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 512, MaxIdleConnsPerHost: 512}}

	rec := &recorder{first: make([]time.Time, agents)}
	auths := make([]*awsauth.Auth, agents)
	for i := range auths {
		a, err := awsauth.New(awsauth.Config{
			Region:          "us-east-1",
			AccessKeyID:     baseKeyID,
			SecretAccessKey: baseSecret,
			RoleARN:         role,
			ExternalID:      externalID,
			SessionName:     fmt.Sprintf("agent-%05d", i),
			STSEndpoint:     srv.URL,
			ExpiryWindow:    window,
			HTTPClient:      client,
		}, nil, rec.onRefresh(i))
		if err != nil {
			t.Fatal(err)
		}
		auths[i] = a
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	// Every agent waits at the gate; opening it starts them all at once.
	gate := make(chan struct{})
	var released sync.WaitGroup
	for _, a := range auths {
		wg.Add(1)
		released.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			released.Done()
			a.Cache.Run(ctx)
		}()
	}
	// All are runnable the moment the gate opens; how soon each runs is up
	// to two cores shared by 10,000 agents and the STS.
	start := time.Now()
	close(gate)
	released.Wait()
	startedIn := time.Since(start)

	deadline := start.Add(8 * time.Minute)
	for rec.withCredentials() < agents {
		if time.Now().After(deadline) {
			t.Fatalf("after %s, %d of %d agents have credentials", time.Since(start).Round(time.Second), rec.withCredentials(), agents)
		}
		time.Sleep(time.Second)
	}
	rec.mu.Lock()
	last := start
	for _, at := range rec.first {
		if at.After(last) {
			last = at
		}
	}
	rec.mu.Unlock()
	allBy := last.Sub(start)

	watchFrom := time.Now()
	time.Sleep(watch)
	watchTo := time.Now()
	for i, a := range auths {
		if _, ok := a.Cache.Current(); !ok {
			t.Fatalf("agent %d has no valid credentials after the steady state", i)
		}
	}

	calls := sts.Calls()
	var throttled, untilLast, throttledUntilLast int
	// Whole seconds of the clock, as the STS's limiter counts them.
	all, served := perSecond(start.Truncate(time.Second)), perSecond(start.Truncate(time.Second))
	steadyCalls := perSecond(watchFrom)
	for _, c := range calls {
		all.add(c.At)
		if c.Throttled {
			throttled++
		} else {
			served.add(c.At)
		}
		if !c.At.After(last) {
			untilLast++
			if c.Throttled {
				throttledUntilLast++
			}
		}
		if !c.At.Before(watchFrom) && c.At.Before(watchTo) {
			steadyCalls.add(c.At)
		}
	}
	steadyRefreshes := perSecond(watchFrom)
	refreshed := map[int]bool{}
	rec.mu.Lock()
	for _, r := range rec.refreshes {
		if r.ok && !r.at.Before(watchFrom) && r.at.Before(watchTo) {
			steadyRefreshes.add(r.at)
			refreshed[r.agent] = true
		}
	}
	rec.mu.Unlock()
	seconds := int(watchTo.Sub(watchFrom) / time.Second)
	callMean, refreshMean := float64(steadyCalls.total)/float64(seconds), float64(steadyRefreshes.total)/float64(seconds)

	report := []string{
		fmt.Sprintf("agents released at once, all running within %s", startedIn.Round(time.Millisecond)),
		fmt.Sprintf("all had credentials after  %s (median agent %s)", allBy.Round(time.Second), rec.median(start).Round(time.Second)),
		fmt.Sprintf("STS calls until then       %d (%d throttled)", untilLast, throttledUntilLast),
		fmt.Sprintf("peak STS call rate         %d/s offered, %d/s served (limit %d/s)", all.max(), served.max(), stsLimit),
		fmt.Sprintf("steady state (%ds)        %d refreshes by %d agents, %.1f/s mean, busiest second %d (%.2fx mean)", seconds, steadyRefreshes.total, len(refreshed), refreshMean, steadyRefreshes.max(), float64(steadyRefreshes.max())/refreshMean),
		fmt.Sprintf("steady-state STS calls     %.1f/s mean, busiest second %d (%.2fx mean)", callMean, steadyCalls.max(), float64(steadyCalls.max())/callMean),
		fmt.Sprintf("STS calls in all           %d (%d throttled)", len(calls), throttled),
	}
	t.Logf("fleet of %d agents, STS limited to %d calls/s, %s credentials, %s expiry window:\n%s", agents, stsLimit, ttl, window, strings.Join(report, "\n"))
	if dir := os.Getenv("HERD_REPORT_DIR"); dir != "" {
		_ = os.WriteFile(dir+"/herd.txt", []byte(strings.Join(report, "\n")+"\n"), 0o644)
	}

	if steadyRefreshes.total == 0 {
		t.Fatal("no refresh during the steady state")
	}
	// The herd shows in the calls offered to STS, throttled ones included:
	// successful refreshes cannot exceed what STS serves (stsLimit a
	// second, above three times their mean here), so a bound on them could
	// not fail; they are reported only.
	if float64(steadyCalls.max()) >= 3*callMean {
		t.Errorf("the busiest second carried %d STS calls, %.2fx the mean %.1f/s: a herd", steadyCalls.max(), float64(steadyCalls.max())/callMean, callMean)
	}
}

// seconds counts events per whole second since a start.
type seconds struct {
	start  time.Time
	counts map[int]int
	total  int
}

func perSecond(start time.Time) *seconds { return &seconds{start: start, counts: map[int]int{}} }

func (s *seconds) add(at time.Time) {
	s.counts[int(at.Sub(s.start)/time.Second)]++
	s.total++
}

func (s *seconds) max() int {
	m := 0
	for _, n := range s.counts {
		m = max(m, n)
	}
	return m
}

func (r *recorder) median(start time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := make([]time.Duration, 0, len(r.first))
	for _, at := range r.first {
		d = append(d, at.Sub(start))
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}
