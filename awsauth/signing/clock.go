package signing

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/stats"
)

// skewThreshold is how far a response's Date may be from our clock before a
// signature mismatch is put down to clock skew.
const skewThreshold = time.Minute

// Clock is AWS's clock minus ours, learned from clock-skew answers and
// shared by every transport of one identity, so that what one learns
// serves all. The zero value is our own clock; so is a nil *Clock.
type Clock struct{ offset atomic.Int64 }

// Offset is AWS's clock minus ours.
func (c *Clock) Offset() time.Duration {
	if c == nil {
		return 0
	}
	return time.Duration(c.offset.Load())
}

// learn sets the offset from the response's Date header when it is far
// enough from the time we signed with to explain the error. It reports
// whether a retry is worth it. Once the clocks agree again (NTP fixed, or
// AWS's side corrected) the offset goes back to zero: a stale offset would
// have every request rejected.
func (c *Clock) learn(resp *http.Response, st *stats.Stats) bool {
	server, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return false
	}
	offset := time.Until(server)
	if (offset - c.Offset()).Abs() < skewThreshold {
		return false
	}
	if offset.Abs() < skewThreshold {
		offset = 0
	}
	c.offset.Store(int64(offset))
	st.Skew(offset)
	return true
}
