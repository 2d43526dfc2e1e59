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
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
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
// calls a second. All must obtain credentials, and keep valid ones through
// the steady state that follows; none may be throttled more often than its
// backoff allows, a bound the same fleet retrying every second would break
// (checked in the same run). Caught (tried once, not committed): the
// cache's backoff made constant at BackoffBase.
func TestFleetAgainstThrottledSTS(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	sts := &fakeaws.STS{Keys: fleetKeys(), TTL: ttl, RateLimit: stsLimit}
	f := startFleet(t, sts, ttl, window)
	rec, auths, start, startedIn := f.rec, f.auths, f.start, f.startedIn

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
		if _, ok := a.Credentials(); !ok {
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
	throttledBy, waited := throttledUntilServed(sts.CallsOf("AssumeRole"))
	bound := backoffTries(allBy)
	worst, worstAgent, jitterless := 0, "", 0
	for name, n := range throttledBy {
		if n > worst {
			worst, worstAgent = n, name
		}
		// The sibling: retrying every BackoffBase without doubling, the
		// same agent would have been throttled once a second it waited.
		jitterless = max(jitterless, int(waited[name]/time.Second))
	}
	t.Logf("throttled AssumeRole calls per agent before its first credentials: at most %d (%s, bound %d); retrying every second instead, the slowest agent would have made %d", worst, worstAgent, bound, jitterless)
	if worst > bound {
		t.Errorf("agent %s was throttled %d times before it had credentials, more than the backoff allows in %s (%d)", worstAgent, worst, allBy.Round(time.Second), bound)
	}
	if jitterless <= bound {
		t.Errorf("a fleet retrying every second would have been throttled at most %d times, within the bound %d: the test could not catch a fleet without backoff", jitterless, bound)
	}
	// No bound on the spread here: STS's limit spreads the acquisitions
	// over 100 s and more, and so the refreshes, jitter or not.
	// TestFleetStartedTogetherRefreshesApart holds the bound, on a fleet
	// that acquires together.
}

// throttledUntilServed counts, per session name, the throttled calls
// before the first served one, and how long that agent waited for it.
func throttledUntilServed(calls []fakeaws.STSCall) (throttled map[string]int, waited map[string]time.Duration) {
	throttled, waited = map[string]int{}, map[string]time.Duration{}
	first := map[string]time.Time{}
	for _, c := range calls {
		name := c.Params.Get("RoleSessionName")
		if _, done := waited[name]; done {
			continue
		}
		if _, ok := first[name]; !ok {
			first[name] = c.At
		}
		if c.Throttled {
			throttled[name]++
		} else {
			waited[name] = c.At.Sub(first[name])
		}
	}
	return throttled, waited
}

// backoffTries is the most failed tries the cache's backoff (the default
// 1 s doubling to a 1-minute cap, each wait at least half its step) makes
// in d: the doubling reaches the cap after 7 tries, and past it a try
// comes at most every 30 s.
func backoffTries(d time.Duration) int {
	return 7 + int((d+30*time.Second-1)/(30*time.Second))
}

func fleetKeys() *awsauthtest.Keyring {
	return awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, ARN: "arn:aws:iam::111122223333:user/fleet", Account: "111122223333", UserID: "AIDAFLEETUSER"})
}

type fleet struct {
	rec       *recorder
	auths     []*awsauth.Auth
	start     time.Time     // when the gate opened
	startedIn time.Duration // until every agent was running
}

// startFleet builds agents caches assuming the role through sts and
// releases them at once; they stop when the test ends.
func startFleet(t *testing.T, sts *fakeaws.STS, ttl, window time.Duration) *fleet {
	t.Helper()
	sts.RequireExternalID(role, externalID)
	srv := httptest.NewServer(sts)
	t.Cleanup(srv.Close)
	// In life each agent has its own connections; here they share a pool,
	// capped to stay within the process's file descriptors.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 512, MaxIdleConnsPerHost: 512}}

	f := &fleet{rec: &recorder{first: make([]time.Time, agents)}, auths: make([]*awsauth.Auth, agents)}
	for i := range f.auths {
		a, err := awsauth.New(awsauth.Config{
			Credentials: chain.Config{
				Region:          "us-east-1",
				AccessKeyID:     baseKeyID,
				SecretAccessKey: baseSecret,
				RoleARN:         role,
				ExternalID:      externalID,
				SessionName:     sessionName(i),
				STSEndpoint:     srv.URL,
				HTTPClient:      client,
			},
			ExpiryWindow: window,
		}, awsauth.Options{OnRefresh: f.rec.onRefresh(i)})
		if err != nil {
			t.Fatal(err)
		}
		f.auths[i] = a
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	// Every agent waits at the gate; opening it starts them all at once.
	gate := make(chan struct{})
	var released sync.WaitGroup
	for _, a := range f.auths {
		wg.Add(1)
		released.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			released.Done()
			a.Run(ctx)
		}()
	}
	// All are runnable the moment the gate opens; how soon each runs is up
	// to two cores shared by 10,000 agents and the STS.
	f.start = time.Now()
	close(gate)
	released.Wait()
	f.startedIn = time.Since(f.start)
	return f
}

func sessionName(agent int) string { return fmt.Sprintf("agent-%05d", agent) }

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

// 10,000 agents obtain credentials together from an STS that serves them
// all — a fleet a deploy restarts at once — and STS then limits them to
// 100 calls a second. Each agent's first refresh must start at a moment of
// its own: the cache draws it from the last half of the expiry window's
// span before it, so the busiest second may carry at most twice the
// fleet's share of one second of that span. A fleet without that jitter
// would start its refreshes within the few seconds its acquisition took;
// the test checks, from this run's own expiry times, that the bound would
// catch it. Every agent must refresh before its first credentials expire.
func TestFleetStartedTogetherRefreshesApart(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	const (
		ttl    = 4 * time.Minute
		window = 100 * time.Second
		spread = window / 2 // the cache's jitter: up to half the window earlier
	)
	sts := &fakeaws.STS{Keys: fleetKeys(), TTL: ttl}
	f := startFleet(t, sts, ttl, window)

	for f.rec.withCredentials() < agents {
		if time.Since(f.start) > ttl-window-spread {
			t.Fatalf("after %s only %d of %d agents have credentials from an unlimited STS", time.Since(f.start).Round(time.Second), f.rec.withCredentials(), agents)
		}
		time.Sleep(100 * time.Millisecond)
	}
	acquiredIn := time.Since(f.start)
	sts.LimitRate(stsLimit)
	limitedAt := time.Now()

	// Wait for every agent's second successful AssumeRole.
	refreshedBy := map[int]time.Time{}
	deadline := f.start.Add(ttl + 10*time.Second)
	for len(refreshedBy) < agents {
		if time.Now().After(deadline) {
			// Go on: the bound below says whether a herd starved them.
			t.Errorf("%d of %d agents refreshed before their first credentials expired", len(refreshedBy), agents)
			break
		}
		time.Sleep(time.Second)
		f.rec.mu.Lock()
		seen := map[int]int{}
		for _, r := range f.rec.refreshes {
			if r.ok {
				if seen[r.agent]++; seen[r.agent] == 2 {
					refreshedBy[r.agent] = r.at
				}
			}
		}
		f.rec.mu.Unlock()
	}

	// Each agent's calls in order: the first obtained its credentials
	// (before the limit, so never throttled), the second started its refresh.
	bySession := map[string][]fakeaws.STSCall{}
	for _, c := range sts.CallsOf("AssumeRole") {
		name := c.Params.Get("RoleSessionName")
		bySession[name] = append(bySession[name], c)
	}
	origin := f.start.Truncate(time.Second)
	starts, jitterless := perSecond(origin), perSecond(origin)
	var earliest, latest time.Duration = ttl, 0
	for i := 0; i < agents; i++ {
		calls := bySession[sessionName(i)]
		if len(calls) < 2 {
			t.Errorf("agent %d made %d AssumeRole calls, want at least 2", i, len(calls))
			continue
		}
		first, refresh := calls[0], calls[1]
		if first.Throttled || !first.At.Before(limitedAt) {
			t.Fatalf("agent %d's first call was throttled or came after the limit", i)
		}
		// The fake STS's credentials expire TTL after the call, to the second.
		expires := first.At.Add(ttl).Truncate(time.Second)
		jitterless.add(expires.Add(-window))
		starts.add(refresh.At)
		// Where the cache schedules it: window plus up to spread before expiry.
		before := expires.Sub(refresh.At)
		if before < window-2*time.Second || before > window+spread+2*time.Second {
			t.Errorf("agent %d started its refresh %s before expiry, want between %s and %s", i, before.Round(time.Millisecond), window, window+spread)
		}
		earliest, latest = min(earliest, before), max(latest, before)
		if by, ok := refreshedBy[i]; ok && !by.Before(first.At.Add(ttl)) {
			t.Errorf("agent %d refreshed at %s, after its credentials expired", i, by.Sub(f.start).Round(time.Millisecond))
		}
	}

	bound := 2 * agents / int(spread/time.Second)
	calls := sts.Calls()
	throttled := 0
	for _, c := range calls {
		if c.Throttled {
			throttled++
		}
	}
	report := []string{
		fmt.Sprintf("agents released at once, all running within %s", f.startedIn.Round(time.Millisecond)),
		fmt.Sprintf("all had credentials after  %s (STS unlimited)", acquiredIn.Round(time.Millisecond)),
		fmt.Sprintf("refreshes started          %s to %s before expiry", latest.Round(time.Second), earliest.Round(time.Second)),
		fmt.Sprintf("busiest second of starts   %d (bound %d)", starts.max(), bound),
		fmt.Sprintf("same fleet without jitter  %d in its busiest second", jitterless.max()),
		fmt.Sprintf("last refresh done          %s after the release, credentials last %s", maxTime(refreshedBy).Sub(f.start).Round(time.Second), ttl),
		fmt.Sprintf("STS calls in all           %d (%d throttled at %d/s)", len(calls), throttled, stsLimit),
	}
	t.Logf("fleet of %d agents started together, %s credentials, %s expiry window:\n%s", agents, ttl, window, strings.Join(report, "\n"))
	if dir := os.Getenv("HERD_REPORT_DIR"); dir != "" {
		_ = os.WriteFile(dir+"/herd-together.txt", []byte(strings.Join(report, "\n")+"\n"), 0o644)
	}

	if starts.max() > bound {
		t.Errorf("%d agents started their refresh in one second, more than %d: a herd", starts.max(), bound)
	}
	// The sibling check: the same fleet without jitter breaks the bound.
	if jitterless.max() <= bound {
		t.Errorf("without jitter this fleet would start at most %d refreshes in one second, within the bound %d: the test could not catch a herd (acquisition took %s)", jitterless.max(), bound, acquiredIn.Round(time.Millisecond))
	}
}

func maxTime(ts map[int]time.Time) time.Time {
	var m time.Time
	for _, at := range ts {
		if at.After(m) {
			m = at
		}
	}
	return m
}
