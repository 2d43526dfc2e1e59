package auth

import (
	"net"
	"strings"

	"github.com/grafana/agent/component"
	httpservice "github.com/grafana/agent/service/http"
)

// gatewayURL is the loopback URL of this component's HTTP handler on the
// agent's own server, without a trailing slash: the server's router
// redirects a "//" with a 301, which breaks POSTs.
func gatewayURL(opts component.Options) string {
	if opts.GetServiceData == nil {
		return ""
	}
	data, err := opts.GetServiceData(httpservice.ServiceName)
	if err != nil {
		return ""
	}
	d, ok := data.(httpservice.Data)
	if !ok || d.HTTPListenAddr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(d.HTTPListenAddr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + strings.TrimSuffix(d.HTTPPathForComponent(opts.ID), "/")
}
