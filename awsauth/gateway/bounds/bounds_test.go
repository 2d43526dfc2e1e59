package bounds

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Past maxPooledHosts upstream hosts, the idle connections are closed
// (#23: 150 API Gateway hosts left 750 goroutines behind).
func TestUpstreamHostsDoNotPileUpInThePool(t *testing.T) {
	var closed int
	u := New(32<<20, 0, closeCounter{&closed})
	for i := 0; i < 3*maxPooledHosts; i++ {
		u.Pooled(fmt.Sprintf("api%d.execute-api.us-east-1.amazonaws.com", i))
		u.Pooled("aps-workspaces.us-east-1.amazonaws.com")
	}
	if closed < 2 || len(u.hosts) > maxPooledHosts {
		t.Fatalf("pool emptied %d times, %d hosts tracked", closed, len(u.hosts))
	}
}

type closeCounter struct{ n *int }

func (c closeCounter) RoundTrip(*http.Request) (*http.Response, error) { return nil, io.EOF }
func (c closeCounter) CloseIdleConnections()                           { *c.n++ }

// One upstream host takes at most MaxInFlightPerHost slots; another host
// still gets one, and a released slot is the host's again.
func TestOneHostTakesAQuarterOfTheSlots(t *testing.T) {
	u := New(1<<20, 0, closeCounter{new(int)})
	r, _ := http.NewRequest("POST", "http://127.0.0.1/", nil)
	var releases []func()
	for i := 0; i < MaxInFlightPerHost; i++ {
		release, ok := u.Reserve(r, "trickle.execute-api.us-east-1.amazonaws.com")
		if !ok {
			t.Fatalf("request %d to one host refused", i+1)
		}
		releases = append(releases, release)
	}
	if _, ok := u.Reserve(r, "trickle.execute-api.us-east-1.amazonaws.com"); ok {
		t.Fatalf("request %d to one host admitted: one host may hold %d", MaxInFlightPerHost+1, MaxInFlightPerHost)
	}
	release, ok := u.Reserve(r, "aps-workspaces.us-east-1.amazonaws.com")
	if !ok {
		t.Fatal("another host's request refused")
	}
	release()
	releases[0]()
	if _, ok := u.Reserve(r, "trickle.execute-api.us-east-1.amazonaws.com"); !ok {
		t.Fatal("a released slot is not the host's again")
	}
	if len(u.perHost) != 1 {
		t.Fatalf("hosts tracked: %v", u.perHost)
	}
}

// A reservation refused at any step — its host full, the slots full, the
// header budget or the body budget spent — gives back what it took:
// once everything is released, the bounds are whole again.
func TestARefusedReservationGivesEverythingBack(t *testing.T) {
	const maxBody = 1 << 10
	u := New(maxBody, 0, closeCounter{new(int)})
	request := func(bodyLen int64, headerLen int) *http.Request {
		r, _ := http.NewRequest("POST", "http://127.0.0.1/", nil)
		r.ContentLength = bodyLen
		r.Header.Set("X-Pad", strings.Repeat("h", headerLen))
		return r
	}
	small := request(1, 0)
	var held []func()
	hold := func(r *http.Request, host string) {
		t.Helper()
		release, ok := u.Reserve(r, host)
		if !ok {
			t.Fatalf("a reservation for %s refused while setting up", host)
		}
		held = append(held, release)
	}
	for _, c := range []struct {
		step  string
		setup func()
		r     *http.Request
	}{
		{"host", func() {
			for i := 0; i < MaxInFlightPerHost; i++ {
				hold(small, "h")
			}
		}, small},
		{"slot", func() {
			for i := 0; i < MaxInFlight; i++ {
				hold(small, fmt.Sprintf("h%d", i%8))
			}
		}, small},
		{"headers", func() {}, request(1, MaxInFlight*headerAllowance)},
		{"body", func() { hold(request(BudgetBodies*maxBody-10, 0), "b") }, request(20, 0)},
	} {
		c.setup()
		if _, ok := u.Reserve(c.r, "h"); ok {
			t.Fatalf("%s: admitted past the bound", c.step)
		}
		for _, release := range held {
			release()
		}
		held = nil
		if len(u.perHost) != 0 || len(u.slots) != 0 {
			t.Fatalf("refused at the %s: hosts %v, slots %d still held", c.step, u.perHost, len(u.slots))
		}
		if !u.headers.TryAcquire(MaxInFlight*headerAllowance) || !u.budget.TryAcquire(BudgetBodies*maxBody) {
			t.Fatalf("refused at the %s: the header or body budget is not whole", c.step)
		}
		u.headers.Release(MaxInFlight * headerAllowance)
		u.budget.Release(BudgetBodies * maxBody)
	}
}
