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
