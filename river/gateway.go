package river

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/units"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway/bounds"
)

// Gateway configures the signing gateway.
type Gateway struct {
	AllowedHosts       []string `river:"allowed_hosts,attr,optional"`
	AllowRemoteClients bool     `river:"allow_remote_clients,attr,optional"`
	// ClientHosts are names, besides this host's addresses, localhost and
	// the listen address, that clients send as Host.
	ClientHosts []string         `river:"client_hosts,attr,optional"`
	MaxBodySize units.Base2Bytes `river:"max_body_size,attr,optional"`
	Services    []string         `river:"services,attr,optional"`
	// UnrestrictedServices are signed for any operation, not only the
	// telemetry writes of the operations table (still never the
	// forbidden services, and only when in Services).
	UnrestrictedServices []string `river:"unrestricted_services,attr,optional"`
	Methods              []string `river:"methods,attr,optional"`
	// ResponseHeaderTimeout bounds the wait for an upstream's answer.
	ResponseHeaderTimeout time.Duration `river:"response_header_timeout,attr,optional"`
}

// Defaults of the gateway block: the gateway's own.
const (
	defaultMaxBodySize           = units.Base2Bytes(gateway.DefaultMaxBodySize)
	defaultResponseHeaderTimeout = bounds.DefaultResponseHeaderTimeout
)

// gatewayMethods are the methods gateway { methods } may name.
var gatewayMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

var serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,62}$`)

// SetToDefault implements river.Defaulter.
func (g *Gateway) SetToDefault() {
	*g = Gateway{
		MaxBodySize:           defaultMaxBodySize,
		ResponseHeaderTimeout: defaultResponseHeaderTimeout,
		Services:              slices.Clone(gateway.DefaultServices),
		Methods:               slices.Clone(gateway.DefaultMethods),
	}
}

// validate checks the gateway block; service is aws.auth's service argument.
func (g *Gateway) validate(service string) error {
	var errs []error
	if g.MaxBodySize <= 0 {
		errs = append(errs, fmt.Errorf("gateway: max_body_size: must be positive, got %d", g.MaxBodySize))
	}
	if g.ResponseHeaderTimeout <= 0 {
		errs = append(errs, fmt.Errorf("gateway: response_header_timeout: must be positive, got %s", g.ResponseHeaderTimeout))
	}
	for _, h := range g.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/?#@ ") {
			errs = append(errs, fmt.Errorf("gateway: allowed_hosts: %q is not a host name (write it without scheme or path)", h))
		}
	}
	for _, h := range g.ClientHosts {
		if h == "" || strings.ContainsAny(h, "/?#@ ") {
			errs = append(errs, fmt.Errorf("gateway: client_hosts: %q is not a host name (write it as the Host header has it: name or name:port)", h))
		}
	}
	if len(g.AllowedHosts) > 0 && service == "" {
		errs = append(errs, errors.New("gateway: allowed_hosts: needs service: a host outside AWS's domains names no service to sign for (e.g. service = \"execute-api\")"))
	}
	for _, s := range g.Services {
		switch {
		case !serviceName.MatchString(s):
			errs = append(errs, fmt.Errorf("gateway: services: %q is not an AWS signing name (lower case, e.g. \"aps\")", s))
		case slices.Contains(gateway.ForbiddenServices, s):
			errs = append(errs, fmt.Errorf("gateway: services: %q is never signed by the gateway: a local client could use it to mint or read credentials or secrets", s))
		}
	}
	for _, s := range g.UnrestrictedServices {
		switch {
		case slices.Contains(gateway.ForbiddenServices, s):
			errs = append(errs, fmt.Errorf("gateway: unrestricted_services: %q is never signed by the gateway: a local client could use it to mint or read credentials or secrets", s))
		case !slices.Contains(g.Services, s):
			errs = append(errs, fmt.Errorf("gateway: unrestricted_services: %q is not among gateway { services }: add it there too", s))
		}
	}
	for _, m := range g.Methods {
		if !slices.Contains(gatewayMethods, m) {
			errs = append(errs, fmt.Errorf("gateway: methods: %q is not one of %s", m, strings.Join(gatewayMethods, ", ")))
		}
	}
	return errors.Join(errs...)
}

// Policy is the gateway's policy as the block gives it; the component
// adds where the gateway is mounted and the credentials' region.
func (g *Gateway) Policy() gateway.Policy {
	return gateway.Policy{
		AllowedHosts:          g.AllowedHosts,
		AllowRemoteClients:    g.AllowRemoteClients,
		ClientHosts:           g.ClientHosts,
		MaxBodySize:           int64(g.MaxBodySize),
		Services:              g.Services,
		UnrestrictedServices:  g.UnrestrictedServices,
		Methods:               g.Methods,
		ResponseHeaderTimeout: g.ResponseHeaderTimeout,
	}
}
