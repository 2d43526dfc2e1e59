package bounds

import (
	"fmt"
	"io"
	"net/http"
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
