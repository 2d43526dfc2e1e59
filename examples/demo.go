package examples

// DemoEnv is what demo.river reads with env(): the demo's keys, where the
// fake AWS answers, and where the demo's logs and OTLP come in.
type DemoEnv struct {
	AccessKeyID, SecretAccessKey string
	STSEndpoint, ProxyURL, CAPEM string
	LogFile, OTLPListen          string
}

// Vars returns the variables as NAME=value. HTTPS_PROXY is the proxy too:
// the otelcol exporters reach the fake endpoints' host names through it,
// as they would through a corporate one.
func (d DemoEnv) Vars() []string {
	return []string{
		"DEMO_ACCESS_KEY_ID=" + d.AccessKeyID,
		"DEMO_SECRET_ACCESS_KEY=" + d.SecretAccessKey,
		"DEMO_STS_ENDPOINT=" + d.STSEndpoint,
		"DEMO_PROXY_URL=" + d.ProxyURL,
		"DEMO_CA_PEM=" + d.CAPEM,
		"DEMO_LOG_FILE=" + d.LogFile,
		"DEMO_OTLP_LISTEN=" + d.OTLPListen,
		"HTTPS_PROXY=" + d.ProxyURL,
	}
}
