package awss3

import "github.com/prometheus/client_golang/prometheus"

// metrics reads the archive's counts when scraped, so that what the
// metrics, health and debug info say is one set of numbers.
type collector struct {
	c                                     *Component
	objects, bytes, failures, items       *prometheus.Desc
	refused, spoolBytes, pending, spoolMx *prometheus.Desc
}

func newMetrics(c *Component) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("otelcol_exporter_awss3_"+name, help, labels, nil)
	}
	return &collector{
		c:          c,
		objects:    d("objects_uploaded_total", "Objects S3 answered 200 to."),
		bytes:      d("bytes_uploaded_total", "Bytes of the objects S3 took, as sent (compressed)."),
		failures:   d("upload_failures_total", "Failed uploads by S3 error code (RequestError: no answer). The object stays in the spool.", "code"),
		items:      d("accepted_items_total", "Spans, log records and data points written to the spool.", "signal"),
		refused:    d("refused_items_total", "Spans, log records and data points not kept: the spool was full, or the marshaler cannot write the signal.", "signal"),
		spoolBytes: d("spool_bytes", "Bytes the spool holds on disk."),
		spoolMx:    d("spool_max_bytes", "The spool's limit (spool max_size)."),
		pending:    d("objects_pending", "Sealed objects waiting for upload."),
	}
}

func (m *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.objects, m.bytes, m.failures, m.items, m.refused, m.spoolBytes, m.spoolMx, m.pending} {
		ch <- d
	}
}

func (m *collector) Collect(ch chan<- prometheus.Metric) {
	st := m.c.archive.Stats()
	ch <- prometheus.MustNewConstMetric(m.objects, prometheus.CounterValue, float64(st.Objects))
	ch <- prometheus.MustNewConstMetric(m.bytes, prometheus.CounterValue, float64(st.Bytes))
	for code, n := range st.Failures {
		ch <- prometheus.MustNewConstMetric(m.failures, prometheus.CounterValue, float64(n), code)
	}
	for i, s := range signals {
		ch <- prometheus.MustNewConstMetric(m.items, prometheus.CounterValue, float64(m.c.input.accepted[i].Load()), s)
		ch <- prometheus.MustNewConstMetric(m.refused, prometheus.CounterValue, float64(m.c.input.refused[i].Load()), s)
	}
	ch <- prometheus.MustNewConstMetric(m.spoolBytes, prometheus.GaugeValue, float64(st.SpoolBytes))
	m.c.mu.Lock()
	limit := m.c.args.Spool.MaxSize
	m.c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(m.spoolMx, prometheus.GaugeValue, float64(limit))
	ch <- prometheus.MustNewConstMetric(m.pending, prometheus.GaugeValue, float64(st.Pending))
}
