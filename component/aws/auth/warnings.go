package auth

import (
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// warnEvery is how often the gateway may log a failed upstream request:
// any local client can make requests fail, and each would otherwise be a
// line in the log pipeline.
const warnEvery = 10 * time.Second

// warnings rate-limits the gateway's warnings: one line per warnEvery,
// which says how many were left out before it.
type warnings struct {
	// every is the least time between two lines; if zero, warnEvery.
	every time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// warn is a gateway.Hooks Warn that logs to l at most once per warnEvery.
func (w *warnings) warn(l log.Logger) func(msg, err string) {
	return func(msg, err string) {
		w.mu.Lock()
		every := w.every
		if every == 0 {
			every = warnEvery
		}
		now := time.Now()
		if !w.last.IsZero() && now.Sub(w.last) < every {
			w.suppressed++
			w.mu.Unlock()
			return
		}
		left := w.suppressed
		w.last, w.suppressed = now, 0
		w.mu.Unlock()
		if left > 0 {
			level.Warn(l).Log("msg", msg, "err", err, "suppressed", left, "suppressed_since", "the previous warning: at most one every "+every.String())
			return
		}
		level.Warn(l).Log("msg", msg, "err", err)
	}
}
