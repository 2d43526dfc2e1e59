package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-kit/log/level"

	otelcomponent "go.opentelemetry.io/collector/component"
	"google.golang.org/grpc/credentials"
)

// extension is the otel auth.Client behind the handler export.
type extension struct{ c *Component }

func (e *extension) Start(context.Context, otelcomponent.Host) error { return nil }
func (e *extension) Shutdown(context.Context) error                  { return nil }

// RoundTripper signs over the exporter's own transport, innermost: the
// exporter adds its headers and compression outside, so the signature
// covers the final request.
func (e *extension) RoundTripper(base http.RoundTripper) (http.RoundTripper, error) {
	return e.c.transport.Wrap(base), nil
}

// SigningTransport signs every request for service over the component's
// own http_client_config: for components that write to one service
// (otelcol.exporter.awss3 signs for s3, at Amazon S3 or at an
// S3-compatible endpoint whose host names no service). It keeps the
// component's refresh, retry, clock and health.
func (e *extension) SigningTransport(service string) http.RoundTripper {
	return &Transport{c: e.c, service: service}
}

// Region is the region the component signs for when a host names none.
func (e *extension) Region() string { return e.c.cur.Load().auth.Region() }

// PerRPCCredentials refuses every gRPC call. Returning an error here would
// not do: otel v0.87's configgrpc drops it and sends unsigned. A gRPC
// exporter asks for it when it starts, so that is when the component says
// so — in its log and its health — rather than at each refused call.
func (e *extension) PerRPCCredentials() (credentials.PerRPCCredentials, error) {
	if !e.c.grpcUser.Swap(true) {
		level.Error(e.c.log).Log("msg", errGRPC.Error())
	}
	return grpcUnsupported{}, nil
}

var errGRPC = errors.New("aws.auth: SigV4 over gRPC is not supported: use otelcol.exporter.otlphttp with client { auth = aws.auth.<label>.handler }")

type grpcUnsupported struct{}

func (grpcUnsupported) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return nil, errGRPC
}

func (grpcUnsupported) RequireTransportSecurity() bool { return false }
