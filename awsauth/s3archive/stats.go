package s3archive

import (
	"sync"
	"time"
)

// Stats is what an Archive did and holds.
type Stats struct {
	Objects     int64 // uploaded
	Bytes       int64 // uploaded, as sent (compressed)
	Records     int64 // uploaded
	Failures    map[string]int64
	RefusedRecs int64 // Append refused, the spool being full
	SpoolBytes  int64 // on disk now
	Pending     int   // sealed objects waiting, at the last pass
	// LastError is the last failed upload's, nil once one succeeds after it.
	LastError *UploadError
	// Failing counts the uploads that failed in a row.
	Failing     int
	LastSuccess time.Time
	// BadBatches are spool files that could not be read, kept aside as
	// ID.bad; BadError says why the last one was.
	BadBatches int
	BadError   string
}

type statsBox struct {
	mu sync.Mutex
	s  Stats
}

func (b *statsBox) with(f func(*Stats)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(&b.s)
}

func (b *statsBox) refused() { b.with(func(s *Stats) { s.RefusedRecs++ }) }

func (b *statsBox) badBatch(id string, err error) {
	b.with(func(s *Stats) { s.BadBatches++; s.BadError = id + ": " + err.Error() })
}

func (b *statsBox) pending(n int) { b.with(func(s *Stats) { s.Pending = n }) }

func (b *statsBox) failed(e *UploadError) {
	b.with(func(s *Stats) {
		if s.Failures == nil {
			s.Failures = map[string]int64{}
		}
		s.Failures[e.Code]++
		s.LastError = e
		s.Failing++
	})
}

func (b *statsBox) uploaded(o *Object, left int) {
	b.with(func(s *Stats) {
		s.Objects++
		s.Bytes += o.Size
		s.Records += int64(o.Records)
		s.LastError, s.Failing, s.LastSuccess = nil, 0, time.Now()
		s.Pending = left
	})
}

// Stats returns a copy of the archive's counts.
func (a *Archive) Stats() Stats {
	a.stats.mu.Lock()
	s := a.stats.s
	failures := make(map[string]int64, len(s.Failures))
	for k, v := range s.Failures {
		failures[k] = v
	}
	s.Failures = failures
	a.stats.mu.Unlock()
	s.SpoolBytes = a.size.Load()
	return s
}
