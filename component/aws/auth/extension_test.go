package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/grafana/agent/component"
)

// A gRPC exporter given the handler is said to be refused when it starts
// (it asks for PerRPCCredentials then): the component turns unhealthy
// naming otlphttp, and every call is still refused, never sent unsigned.
func TestAGRPCExporterIsNamedWhenItStarts(t *testing.T) {
	f := newGatewayFixture(t, nil)
	ext, ok := f.c.handler.Extension.(*extension)
	if !ok {
		t.Fatalf("the handler's extension is %T", f.c.handler.Extension)
	}
	creds, err := ext.PerRPCCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creds.GetRequestMetadata(context.Background()); err == nil {
		t.Fatal("a gRPC call was given metadata")
	}
	if h := f.c.CurrentHealth(); h.Health != component.HealthTypeUnhealthy || !strings.Contains(h.Message, "use otelcol.exporter.otlphttp") {
		t.Fatalf("health %+v", h)
	}
}
