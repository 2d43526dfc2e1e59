package awss3

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/go-kit/log/level"
	otelconsumer "go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/s3archive"
)

// consumer is the exported input. A call returns nil once what it was
// given is in the spool; an error tells the sender it was not kept.
type consumer struct {
	c *Component
	// accepted and refused count items (spans, log records, data points)
	// by signal; lastRefusal is when the last refusal was (Unix ns), and
	// lastLogged when one was last logged.
	accepted, refused       [3]atomic.Int64
	lastRefusal, lastLogged atomic.Int64
	refusal                 atomic.Pointer[string]
}

var signals = [3]string{traces, logs, metrics}

func signalIndex(s string) int {
	for i, n := range signals {
		if n == s {
			return i
		}
	}
	return 0
}

func (*consumer) Capabilities() otelconsumer.Capabilities {
	return otelconsumer.Capabilities{MutatesData: false}
}

func (k *consumer) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	if td.ResourceSpans().Len() == 0 {
		return nil
	}
	m := k.c.marshaler()
	rec, err := marshalTraces(m, td)
	return k.keep(traces, m, rec, td.SpanCount(), err)
}

func (k *consumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	if ld.ResourceLogs().Len() == 0 {
		return nil
	}
	m := k.c.marshaler()
	rec, err := marshalLogs(m, ld)
	return k.keep(logs, m, rec, ld.LogRecordCount(), err)
}

func (k *consumer) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	if md.ResourceMetrics().Len() == 0 {
		return nil
	}
	m := k.c.marshaler()
	rec, err := marshalMetrics(m, md)
	return k.keep(metrics, m, rec, md.DataPointCount(), err)
}

// keep appends the record to the spool, or counts and reports why not.
func (k *consumer) keep(signal, marshaler string, rec []byte, items int, err error) error {
	if err == nil {
		err = k.c.archive.Append(signal, format(marshaler, signal), rec)
	}
	i := signalIndex(signal)
	if err == nil {
		k.accepted[i].Add(int64(items))
		return nil
	}
	k.refused[i].Add(int64(items))
	now := time.Now().UnixNano()
	k.lastRefusal.Store(now)
	why := err.Error()
	if errors.Is(err, s3archive.ErrSpoolFull) {
		why = "the spool is full (spool max_size): S3 has not taken what it holds"
	}
	why = signal + " refused: " + why
	k.refusal.Store(&why)
	// Logged at most once a minute, with the counts so far.
	if last := k.lastLogged.Load(); now-last > int64(time.Minute) && k.lastLogged.CompareAndSwap(last, now) {
		level.Error(k.c.log).Log("msg", "telemetry not archived", "reason", why,
			"refused_spans", k.refused[0].Load(), "refused_log_records", k.refused[1].Load(), "refused_data_points", k.refused[2].Load())
	}
	// The sender may retry a full spool later; a marshaling error it may not.
	if errors.Is(err, s3archive.ErrSpoolFull) {
		return err
	}
	return consumererror.NewPermanent(err)
}
