package river

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/gateway"
	"github.com/grafana/river"
	"github.com/grafana/river/token/builder"
)

func TestDefaultsAndConversion(t *testing.T) {
	var a Arguments
	err := river.Unmarshal([]byte(`
		region            = "eu-west-1"
		access_key_id     = "AKIAIOSFODNN7EXAMPLE"
		secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		role_arn          = "arn:aws:iam::123456789012:role/writer"
		external_id       = "tenant-42"
		service           = "execute-api"
		session_tags      = {team = "observability", "cost-center" = "4711"}
		transitive_tag_keys = ["team"]
		source_identity   = "agent-7"
		gateway { allowed_hosts = ["loki.internal.example"] }
	`), &a)
	if err != nil {
		t.Fatal(err)
	}
	if a.AssumeRoleDuration != 15*time.Minute || a.ExpiryWindow != 5*time.Minute || !a.VerifyIdentity || a.Gateway.MaxBodySize != defaultMaxBodySize ||
		a.Gateway.ResponseHeaderTimeout != time.Minute || !slices.Equal(a.Gateway.Services, gateway.DefaultServices) || !slices.Equal(a.Gateway.Methods, []string{"POST", "PUT"}) {
		t.Fatalf("defaults not applied: %+v", a)
	}
	cfg, rt, err := a.Convert()
	if err != nil || rt == nil || cfg.Credentials.HTTPClient == nil || cfg.Credentials.HTTPClient.Timeout != defaultTimeout {
		t.Fatalf("convert: %v %v", err, cfg.Credentials.HTTPClient)
	}
	if cfg.Credentials.SecretAccessKey != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" || cfg.Credentials.ExternalID != "tenant-42" || cfg.Credentials.RoleARN != "arn:aws:iam::123456789012:role/writer" {
		t.Fatalf("config %+v", cfg)
	}
	if c := cfg.Credentials; c.SessionTags["team"] != "observability" || c.SessionTags["cost-center"] != "4711" || len(c.SessionTags) != 2 ||
		!slices.Equal(c.TransitiveTagKeys, []string{"team"}) || c.SourceIdentity != "agent-7" {
		t.Fatalf("session tags %+v %v %q", c.SessionTags, c.TransitiveTagKeys, c.SourceIdentity)
	}
}

func TestValidationNamesTheField(t *testing.T) {
	for text, want := range map[string]string{
		`external_id = "x-1"`: "external_id: requires role_arn",
		`role_arn = "arn:aws:iam::123456789012:role/w"
		 session_tags = {team = "a"}
		 transitive_tag_keys = ["env"]`: `transitive_tag_keys: "env" is not a key of session_tags`,
		`gateway { allowed_hosts = ["https://x/y"] }`:                                   `gateway: allowed_hosts: "https://x/y" is not a host name`,
		`gateway { client_hosts = ["http://agent:12345"] }`:                             `gateway: client_hosts: "http://agent:12345" is not a host name`,
		`gateway { allowed_hosts = ["loki.internal.example"] }`:                         "gateway: allowed_hosts: needs service",
		`gateway { services = ["aps", "sts"] }`:                                         `gateway: services: "sts" is never signed by the gateway`,
		`gateway { services = ["secretsmanager"] }`:                                     `gateway: services: "secretsmanager" is never signed by the gateway`,
		`gateway { services = ["APS"] }`:                                                `gateway: services: "APS" is not an AWS signing name`,
		`gateway { unrestricted_services = ["sts"] }`:                                   `gateway: unrestricted_services: "sts" is never signed by the gateway`,
		`gateway { unrestricted_services = ["lambda"] }`:                                `gateway: unrestricted_services: "lambda" is not among gateway { services }`,
		`gateway { methods = ["post"] }`:                                                `gateway: methods: "post" is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS`,
		`gateway { methods = ["CONNECT"] }`:                                             `gateway: methods: "CONNECT" is not one of`,
		`gateway { response_header_timeout = "0s" }`:                                    "gateway: response_header_timeout: must be positive",
		`http_client_config { timeout = "-1s" }`:                                        "http_client_config: timeout: must be positive",
		`http_client_config { timeout = "0s" }`:                                         "http_client_config: timeout: must be positive",
		"http_client_config {\n tls_config {\n ca_pem = \"x\"\n ca_file = \"y\"\n }\n}": "at most one of ca_pem and ca_file must be configured",
	} {
		var a Arguments
		err := river.Unmarshal([]byte(text), &a)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", text, err, want)
		}
	}
}

// The UI renders arguments as River text: secrets show as (secret).
func TestSecretsRenderMasked(t *testing.T) {
	var a Arguments
	a.SetToDefault()
	a.AccessKeyID, a.SecretAccessKey, a.SessionToken = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token-value"
	f := builder.NewFile()
	f.Body().AppendFrom(a)
	text := string(f.Bytes())
	if strings.Contains(text, "EXAMPLEKEY") || strings.Contains(text, "session-token-value") || !strings.Contains(text, "(secret)") {
		t.Fatalf("rendered arguments:\n%s", text)
	}
}

// A gateway block replaces the default services and methods it names and
// keeps the defaults of the others.
func TestGatewayListsReplaceTheDefaults(t *testing.T) {
	var a Arguments
	if err := river.Unmarshal([]byte(`gateway { services = ["aps", "lambda"] }`), &a); err != nil {
		t.Fatal(err)
	}
	g := a.Gateway
	if !slices.Equal(g.Services, []string{"aps", "lambda"}) || !slices.Equal(g.Methods, gateway.DefaultMethods) || g.MaxBodySize != defaultMaxBodySize {
		t.Fatalf("%+v", g)
	}
	if p := g.Policy(); !p.SignsFor("lambda") || p.SignsFor("logs") || !p.Allows("PUT") || p.Allows("GET") {
		t.Fatalf("policy of %+v", g)
	}
	// Even a list that got past validation never signs for a forbidden service.
	g.Services = append(g.Services, "sts")
	if p := g.Policy(); p.SignsFor("sts") {
		t.Fatal("signs for sts")
	}
}

// The roles_anywhere block converts into the engine's source, with its
// default duration; its errors name the block and the argument.
func TestRolesAnywhereBlock(t *testing.T) {
	var a Arguments
	err := river.Unmarshal([]byte(`
		roles_anywhere {
			trust_anchor_arn = "arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/ta-1"
			profile_arn      = "arn:aws:rolesanywhere:eu-west-1:111122223333:profile/p-1"
			role_arn         = "arn:aws:iam::111122223333:role/edge"
			certificate_file = "/etc/pki/agent.crt"
			private_key_file = "/etc/pki/agent.key"
		}
	`), &a)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := a.Convert()
	if err != nil {
		t.Fatal(err)
	}
	ra := cfg.Credentials.RolesAnywhere
	if ra == nil || ra.CertificateFile != "/etc/pki/agent.crt" || ra.SessionDuration != time.Hour || ra.RoleARN != "arn:aws:iam::111122223333:role/edge" {
		t.Fatalf("roles anywhere %+v", ra)
	}
	a.RolesAnywhere.ProfileARN = "profile/p-1"
	if err := a.Validate(); err == nil || !strings.Contains(err.Error(), "roles_anywhere: profile_arn: \"profile/p-1\" is not a Roles Anywhere profile ARN") {
		t.Fatalf("validation: %v", err)
	}
}

// Every field of the gateway block reaches the gateway's Policy (#34:
// client_hosts never reaching it went unnoticed): each is set to a value
// unlike its default and read back from Policy.
func TestGatewayBlockReachesThePolicy(t *testing.T) {
	var a Arguments
	src := `service = "execute-api"
	gateway {
		allowed_hosts           = ["loki.internal.example"]
		allow_remote_clients    = true
		client_hosts            = ["aws-agent.monitoring.svc:12345"]
		max_body_size           = "2MiB"
		services                = ["aps", "execute-api"]
		unrestricted_services   = ["execute-api"]
		methods                 = ["POST"]
		response_header_timeout = "7s"
	}`
	if err := river.Unmarshal([]byte(src), &a); err != nil {
		t.Fatal(err)
	}
	p := a.Gateway.Policy()
	if !slices.Equal(p.AllowedHosts, []string{"loki.internal.example"}) || !p.AllowRemoteClients ||
		!slices.Equal(p.ClientHosts, []string{"aws-agent.monitoring.svc:12345"}) || p.MaxBodySize != 2<<20 ||
		!slices.Equal(p.Services, []string{"aps", "execute-api"}) || !slices.Equal(p.UnrestrictedServices, []string{"execute-api"}) ||
		!slices.Equal(p.Methods, []string{"POST"}) || p.ResponseHeaderTimeout != 7*time.Second {
		t.Fatalf("policy %+v", p)
	}
}
