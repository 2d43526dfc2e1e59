package agentrun

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/grafana/agent/pkg/flow/logging/level"
	"github.com/grafana/agent/service/cluster"
	"github.com/grafana/ckit/advertise"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
)

// ClusterOptions are the upstream run command's --cluster.* flags, with
// their meanings: the agent's own cluster service (ckit gossip over the
// HTTP server) spreads the targets of components with clustering enabled
// over the fleet.
type ClusterOptions struct {
	Enabled bool
	// NodeName names this agent in the cluster; default the host name.
	NodeName string
	// AdvertiseAddress is the address peers reach this agent at; default
	// the first address of AdvertiseInterfaces, with the HTTP port.
	AdvertiseAddress    string
	AdvertiseInterfaces []string
	// JoinAddresses are peers to join: host:port, an IP (the HTTP port is
	// added), or a DNS name looked up as SRV (a Kubernetes headless Service).
	JoinAddresses []string
	// RejoinInterval is how often the peers are joined again, which heals
	// a split cluster; 0 disables it. MaxJoinPeers bounds the peers joined.
	RejoinInterval time.Duration
	MaxJoinPeers   int
	// Name keeps nodes of another cluster from joining this one.
	Name string
}

// DefaultClusterOptions are upstream's defaults.
var DefaultClusterOptions = ClusterOptions{
	AdvertiseInterfaces: []string{"eth0", "en0"},
	RejoinInterval:      60 * time.Second,
	MaxJoinPeers:        5,
}

// RegisterFlags adds the --cluster.* flags to fs, writing into o.
func (o *ClusterOptions) RegisterFlags(fs *flag.FlagSet) {
	fs.BoolVar(&o.Enabled, "cluster.enabled", o.Enabled, "start in clustered mode")
	fs.StringVar(&o.NodeName, "cluster.node-name", o.NodeName, "the name of this node in the cluster (default: the host name)")
	fs.StringVar(&o.AdvertiseAddress, "cluster.advertise-address", o.AdvertiseAddress, "address to advertise to the cluster (default: the first address of --cluster.advertise-interfaces)")
	fs.Func("cluster.advertise-interfaces", "comma-separated interfaces to infer the advertise address from, or \"all\" (default eth0,en0)", func(s string) error {
		o.AdvertiseInterfaces = splitList(s)
		return nil
	})
	fs.Func("cluster.join-addresses", "comma-separated peers to join: host:port, IP, or a DNS name looked up as SRV", func(s string) error {
		o.JoinAddresses = splitList(s)
		return nil
	})
	fs.DurationVar(&o.RejoinInterval, "cluster.rejoin-interval", o.RejoinInterval, "how often to join the peers again (0 disables)")
	fs.IntVar(&o.MaxJoinPeers, "cluster.max-join-peers", o.MaxJoinPeers, "how many of the peers found to join")
	fs.StringVar(&o.Name, "cluster.name", o.Name, "the name of the cluster; nodes with another name cannot join")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// newClusterService builds the cluster service as upstream's run does.
func newClusterService(o ClusterOptions, listenAddr string, logger log.Logger, reg prometheus.Registerer, tracer trace.TracerProvider) (*cluster.Service, error) {
	port := portOf(listenAddr, 80)
	opts := cluster.Options{
		Log:                 logger,
		Metrics:             reg,
		Tracer:              tracer,
		EnableClustering:    o.Enabled,
		NodeName:            o.NodeName,
		AdvertiseAddress:    o.AdvertiseAddress,
		RejoinInterval:      o.RejoinInterval,
		ClusterMaxJoinPeers: o.MaxJoinPeers,
		ClusterName:         o.Name,
	}
	if opts.NodeName == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("--cluster.node-name: not set and no host name: %w", err)
		}
		opts.NodeName = host
	}
	if opts.AdvertiseAddress == "" {
		opts.AdvertiseAddress = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if o.Enabled {
			ifaces := o.AdvertiseInterfaces
			if len(ifaces) == 1 && ifaces[0] == "all" {
				ifaces = nil
			}
			if addr, err := advertise.FirstAddress(ifaces); err != nil {
				level.Warn(logger).Log("msg", "no address to advertise on the interfaces; advertising loopback, which only agents on this host reach", "interfaces", strings.Join(o.AdvertiseInterfaces, ","), "err", err)
			} else {
				opts.AdvertiseAddress = net.JoinHostPort(addr.String(), strconv.Itoa(port))
			}
		}
	} else if _, _, err := net.SplitHostPort(opts.AdvertiseAddress); err != nil {
		opts.AdvertiseAddress = net.JoinHostPort(opts.AdvertiseAddress, strconv.Itoa(port))
	}
	if len(o.JoinAddresses) > 0 {
		peers := o.JoinAddresses
		opts.DiscoverPeers = func() ([]string, error) { return joinAddresses(peers, port), nil }
	}
	return cluster.New(opts)
}

// joinAddresses resolves the peers to join as upstream does: host:port as
// given, an IP with the HTTP port, any other name as an SRV record.
func joinAddresses(peers []string, port int) []string {
	var out []string
	for _, p := range peers {
		if _, _, err := net.SplitHostPort(p); err == nil {
			out = append(out, p)
			continue
		}
		if ip := net.ParseIP(p); ip != nil {
			out = append(out, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
			continue
		}
		// As upstream: the targets with this agent's HTTP port (a headless
		// Service's SRV records list every port it names).
		if _, srvs, err := net.LookupSRV("", "", p); err == nil {
			for _, s := range srvs {
				out = append(out, net.JoinHostPort(strings.TrimSuffix(s.Target, "."), strconv.Itoa(port)))
			}
		}
	}
	return out
}

func portOf(addr string, fallback int) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return fallback
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return fallback
	}
	return n
}
