package agentrun

import (
	"os"
	"runtime/debug"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/version"
	psnet "github.com/shirou/gopsutil/v3/net"
	"github.com/shirou/gopsutil/v3/process"
)

// registerAgentMetrics registers what the upstream agent's `run` exposes
// about the process itself, for the agent mixin's dashboards: the Go and
// process collectors, agent_build_info and the agent_resources_* family.
func registerAgentMetrics(reg prometheus.Registerer, logger log.Logger) error {
	setVersion.Do(func() {
		// The agent's own build package blanks these at init; this binary's
		// module information says what it is.
		if bi, ok := debug.ReadBuildInfo(); ok && version.Version == "" {
			version.Version = bi.Main.Version
		}
		if version.Branch == "" {
			version.Branch = "unknown"
		}
	})
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		version.NewCollector("agent"),
		newResourcesCollector(logger),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

var setVersion sync.Once

// resourcesCollector exposes agent_resources_*, the names the mixin's
// Resources dashboard reads: the process's CPU, memory and start time and
// the machine's network traffic, read with gopsutil as upstream does.
type resourcesCollector struct {
	log                                         log.Logger
	startTime, cpu, rss, virt, rxBytes, txBytes *prometheus.Desc
}

func newResourcesCollector(l log.Logger) *resourcesCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("agent_resources_"+name, help, nil, nil)
	}
	return &resourcesCollector{
		log:       l,
		startTime: d("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds."),
		cpu:       d("process_cpu_seconds_total", "Total user and system CPU time spent, in seconds."),
		rss:       d("process_resident_memory_bytes", "Resident memory size, in bytes."),
		virt:      d("process_virtual_memory_bytes", "Virtual memory size, in bytes."),
		rxBytes:   d("machine_rx_bytes_total", "Bytes received by the machine's network interfaces."),
		txBytes:   d("machine_tx_bytes_total", "Bytes sent by the machine's network interfaces."),
	}
}

func (c *resourcesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.startTime, c.cpu, c.rss, c.virt, c.rxBytes, c.txBytes} {
		ch <- d
	}
}

func (c *resourcesCollector) Collect(ch chan<- prometheus.Metric) {
	p, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		level.Debug(c.log).Log("msg", "reading this process's resources", "err", err)
		return
	}
	if ms, err := p.CreateTime(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.startTime, prometheus.GaugeValue, float64(ms)/1000)
	}
	if t, err := p.Times(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.cpu, prometheus.CounterValue, t.User+t.System)
	}
	if m, err := p.MemoryInfo(); err == nil {
		ch <- prometheus.MustNewConstMetric(c.rss, prometheus.GaugeValue, float64(m.RSS))
		ch <- prometheus.MustNewConstMetric(c.virt, prometheus.GaugeValue, float64(m.VMS))
	}
	if io, err := psnet.IOCounters(false); err == nil && len(io) == 1 {
		ch <- prometheus.MustNewConstMetric(c.rxBytes, prometheus.CounterValue, float64(io[0].BytesRecv))
		ch <- prometheus.MustNewConstMetric(c.txBytes, prometheus.CounterValue, float64(io[0].BytesSent))
	}
}
