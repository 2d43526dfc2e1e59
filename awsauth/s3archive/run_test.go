package s3archive

import (
	"testing"
	"time"
)

// The wait between attempts doubles from MinBackoff and stops at
// MaxBackoff, less up to a fifth of jitter: an outage of hours costs one
// attempt a minute, not one an hour.
func TestBackoffDoublesUpToItsCap(t *testing.T) {
	a := &Archive{opts: Options{MinBackoff: time.Second, MaxBackoff: time.Minute}}
	for _, c := range []struct{ prev, lo, hi time.Duration }{
		{0, 800 * time.Millisecond, time.Second},
		{time.Second, 1600 * time.Millisecond, 2 * time.Second},
		{40 * time.Second, 48 * time.Second, time.Minute},
		{10 * time.Hour, 48 * time.Second, time.Minute},
	} {
		for i := 0; i < 50; i++ {
			if got := a.nextBackoff(c.prev); got < c.lo || got > c.hi {
				t.Fatalf("after %s: %s, want within [%s, %s]", c.prev, got, c.lo, c.hi)
			}
		}
	}
}
