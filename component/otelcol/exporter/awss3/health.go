package awss3

import (
	"fmt"
	"time"

	"github.com/grafana/agent/component"
)

// refusalsUnhealthyFor is how long health stays unhealthy after the input
// refused something.
const refusalsUnhealthyFor = 5 * time.Minute

// failingUnhealthyAfter is how many retryable failures in a row (SlowDown,
// 5xx, no answer) it takes to turn health unhealthy; a refusal that will
// not cure itself (AccessDenied, NoSuchBucket) turns it at once.
const failingUnhealthyAfter = 3

// CurrentHealth implements component.HealthComponent.
func (c *Component) CurrentHealth() component.Health {
	st := c.archive.Stats()
	h := component.Health{Health: component.HealthTypeHealthy, UpdateTime: time.Now()}
	switch {
	case st.LastError != nil && (!st.LastError.Retryable || st.Failing >= failingUnhealthyAfter):
		h.Health = component.HealthTypeUnhealthy
		h.Message = fmt.Sprintf("%s (%d objects, %d bytes wait in the spool)", st.LastError.Error(), st.Pending, st.SpoolBytes)
	case time.Since(time.Unix(0, c.input.lastRefusal.Load())) < refusalsUnhealthyFor:
		h.Health = component.HealthTypeUnhealthy
		h.Message = *c.input.refusal.Load() + fmt.Sprintf(" (refused so far: %d spans, %d log records, %d data points)",
			c.input.refused[0].Load(), c.input.refused[1].Load(), c.input.refused[2].Load())
	case st.BadBatches > 0:
		h.Health = component.HealthTypeUnhealthy
		h.Message = fmt.Sprintf("%d spool files could not be read and were set aside as .bad (last: %s)", st.BadBatches, st.BadError)
	case st.Objects == 0:
		h.Message = "no object uploaded yet"
	default:
		h.Message = fmt.Sprintf("%d objects uploaded, the last at %s", st.Objects, st.LastSuccess.UTC().Format(time.RFC3339))
	}
	return h
}

// DebugInfo is what the UI shows.
type DebugInfo struct {
	Bucket          string           `river:"bucket,attr"`
	Region          string           `river:"region,attr,optional"`
	Endpoint        string           `river:"endpoint,attr,optional"`
	Prefix          string           `river:"prefix,attr,optional"`
	Objects         int64            `river:"objects_uploaded,attr"`
	Bytes           int64            `river:"bytes_uploaded,attr"`
	Pending         int              `river:"objects_pending,attr"`
	SpoolBytes      int64            `river:"spool_bytes,attr"`
	Failures        map[string]int64 `river:"upload_failures,attr,optional"`
	LastError       string           `river:"last_error,attr,optional"`
	AcceptedSpans   int64            `river:"accepted_spans,attr"`
	AcceptedRecords int64            `river:"accepted_log_records,attr"`
	AcceptedPoints  int64            `river:"accepted_data_points,attr"`
	RefusedSpans    int64            `river:"refused_spans,attr"`
	RefusedRecords  int64            `river:"refused_log_records,attr"`
	RefusedPoints   int64            `river:"refused_data_points,attr"`
}

// DebugInfo implements component.DebugComponent.
func (c *Component) DebugInfo() interface{} {
	st := c.archive.Stats()
	c.mu.Lock()
	u := c.args.S3Uploader
	c.mu.Unlock()
	d := DebugInfo{
		Bucket: u.S3Bucket, Region: u.Region, Endpoint: u.Endpoint, Prefix: u.S3Prefix,
		Objects: st.Objects, Bytes: st.Bytes, Pending: st.Pending, SpoolBytes: st.SpoolBytes, Failures: st.Failures,
		AcceptedSpans: c.input.accepted[0].Load(), AcceptedRecords: c.input.accepted[1].Load(), AcceptedPoints: c.input.accepted[2].Load(),
		RefusedSpans: c.input.refused[0].Load(), RefusedRecords: c.input.refused[1].Load(), RefusedPoints: c.input.refused[2].Load(),
	}
	if st.LastError != nil {
		d.LastError = st.LastError.Error()
	}
	return d
}
