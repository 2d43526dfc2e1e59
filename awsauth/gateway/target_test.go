package gateway

import "testing"

func TestValidHostAndAllowlist(t *testing.T) {
	for host, ok := range map[string]bool{
		"aps-workspaces.us-east-1.amazonaws.com": true, "x.example:8443": true, "a-b.c": true,
		"": false, "-a.b": false, "a..b": false, "a b": false, "a%2Fb": false, "a:": false, "a:123456": false, "a@b": false,
	} {
		if validHost(host) != ok {
			t.Errorf("validHost(%q) = %v", host, !ok)
		}
	}
	allowed := []string{"Loki.Internal.Example", "grafana.internal:8443"}
	for host, ok := range map[string]bool{
		"logs.us-east-1.amazonaws.com": true, "logs.us-east-1.amazonaws.com:443": true, "loki.internal.example": true,
		"grafana.internal:8443": true, "grafana.internal": false, "loki.internal.example:8080": false, "amazonaws.com": false,
	} {
		if hostAllowed(host, allowed) != ok {
			t.Errorf("hostAllowed(%q) = %v", host, !ok)
		}
	}
}
