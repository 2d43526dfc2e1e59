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
)

// Gateway configures the signing gateway.
type Gateway struct {
	AllowedHosts       []string         `river:"allowed_hosts,attr,optional"`
	AllowRemoteClients bool             `river:"allow_remote_clients,attr,optional"`
	MaxBodySize        units.Base2Bytes `river:"max_body_size,attr,optional"`
	Services           []string         `river:"services,attr,optional"`
	Methods            []string         `river:"methods,attr,optional"`
	// ResponseHeaderTimeout bounds the wait for an upstream's answer.
	ResponseHeaderTimeout time.Duration `river:"response_header_timeout,attr,optional"`
}

// Defaults of the gateway block.
const (
	DefaultMaxBodySize           = 32 * units.MiB
	DefaultResponseHeaderTimeout = time.Minute
)

// DefaultGatewayServices are the services the gateway signs for unless
// gateway { services } says otherwise: those that receive telemetry.
//
//	aps          Amazon Managed Service for Prometheus: remote_write
//	logs         CloudWatch Logs: the OTLP logs endpoint
//	xray         X-Ray: the OTLP traces endpoint
//	monitoring   CloudWatch: the OTLP metrics endpoint
//	es           OpenSearch Service domains: _bulk
//	aoss         OpenSearch Serverless collections: _bulk
//	osis         OpenSearch Ingestion pipelines: OTLP and JSON logs
//	execute-api  API Gateway: a Loki (or any receiver) behind it
var DefaultGatewayServices = []string{"aps", "logs", "xray", "monitoring", "es", "aoss", "osis", "execute-api"}

// DefaultGatewayMethods are what remote_write, loki.write and OpenSearch
// bulk writers send.
var DefaultGatewayMethods = []string{http.MethodPost, http.MethodPut}

// ForbiddenGatewayServices are never signed for by the gateway, even when
// listed: with them a local client could mint or read credentials and
// secrets (sts:GetSessionToken, secretsmanager:GetSecretValue, ...) or
// change who may do what (iam).
var ForbiddenGatewayServices = []string{"sts", "iam", "sso", "sso-oauth", "signin", "kms", "secretsmanager", "ssm", "rolesanywhere"}

// gatewayMethods are the methods gateway { methods } may name.
var gatewayMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

var serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,62}$`)

// SetToDefault implements river.Defaulter.
func (g *Gateway) SetToDefault() {
	*g = Gateway{
		MaxBodySize:           DefaultMaxBodySize,
		ResponseHeaderTimeout: DefaultResponseHeaderTimeout,
		Services:              slices.Clone(DefaultGatewayServices),
		Methods:               slices.Clone(DefaultGatewayMethods),
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
	if len(g.AllowedHosts) > 0 && service == "" {
		errs = append(errs, errors.New("gateway: allowed_hosts: needs service: a host outside AWS's domains names no service to sign for (e.g. service = \"execute-api\")"))
	}
	for _, s := range g.Services {
		switch {
		case !serviceName.MatchString(s):
			errs = append(errs, fmt.Errorf("gateway: services: %q is not an AWS signing name (lower case, e.g. \"aps\")", s))
		case slices.Contains(ForbiddenGatewayServices, s):
			errs = append(errs, fmt.Errorf("gateway: services: %q is never signed by the gateway: a local client could use it to mint or read credentials or secrets", s))
		}
	}
	for _, m := range g.Methods {
		if !slices.Contains(gatewayMethods, m) {
			errs = append(errs, fmt.Errorf("gateway: methods: %q is not one of %s", m, strings.Join(gatewayMethods, ", ")))
		}
	}
	return errors.Join(errs...)
}

// SignsFor reports whether the gateway signs for service.
func (g *Gateway) SignsFor(service string) bool {
	return slices.Contains(g.Services, service) && !slices.Contains(ForbiddenGatewayServices, service)
}

// Allows reports whether the gateway forwards method.
func (g *Gateway) Allows(method string) bool { return slices.Contains(g.Methods, method) }
