package auth

import (
	"context"
	"errors"
	"net/http"

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

// PerRPCCredentials refuses every gRPC call. Returning an error here would
// not do: otel v0.87's configgrpc drops it and sends unsigned.
func (e *extension) PerRPCCredentials() (credentials.PerRPCCredentials, error) {
	return grpcUnsupported{}, nil
}

var errGRPC = errors.New("aws.auth: SigV4 over gRPC is not supported: use otelcol.exporter.otlphttp with client { auth = aws.auth.<label>.handler }")

type grpcUnsupported struct{}

func (grpcUnsupported) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return nil, errGRPC
}

func (grpcUnsupported) RequireTransportSecurity() bool { return false }
