package democmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/receivers"
)

// The Roles Anywhere trust anchor, profile and role the demo's fake
// answers for.
const (
	demoTrustAnchorARN = "arn:aws:rolesanywhere:us-east-1:444455556666:trust-anchor/demo-anchor"
	demoProfileARN     = "arn:aws:rolesanywhere:us-east-1:444455556666:profile/demo-profile"
	demoEdgeRoleARN    = "arn:aws:iam::444455556666:role/demo-edge-telemetry"
)

// rolesAnywhere starts a fake IAM Roles Anywhere beside aws, makes a CA and
// a certificate for the agent in dir, and rewrites the demo configuration's
// credentials to come from that certificate: --source roles-anywhere.
func rolesAnywhere(aws *receivers.FakeAWS, dir string, demo []byte) (config []byte, stop func(), err error) {
	ca := pki.NewCA("Demo Corp Root CA")
	_, certFile, keyFile, err := ca.WriteLeaf(dir, "demo-edge-host", time.Now().Add(30*24*time.Hour))
	if err != nil {
		return nil, nil, err
	}
	ra := pki.NewRolesAnywhere(aws.Keys, ca, demoTrustAnchorARN, demoProfileARN, demoEdgeRoleARN)
	// The services take only the sessions Roles Anywhere issued: a demo
	// that fell back to its static keys would be rejected, not pass.
	aws.AcceptOnly(func(k sigv4verify.Key) bool { return ra.Issued(k.AccessKeyID) })
	srv := pki.Serve(ra)
	// The demo's own credentials, a static key and a role, give way to
	// the certificate; the rest of the configuration stays as it is.
	const static = `	access_key_id     = env("DEMO_ACCESS_KEY_ID")
	secret_access_key = env("DEMO_SECRET_ACCESS_KEY")
	role_arn          = "arn:aws:iam::444455556666:role/demo-telemetry-writer"
	external_id       = "demo-external-id"
`
	if !strings.Contains(string(demo), static) {
		srv.Close()
		return nil, nil, fmt.Errorf("the demo configuration no longer holds the credentials --source roles-anywhere replaces")
	}
	block := fmt.Sprintf(`	roles_anywhere {
		trust_anchor_arn = %q
		profile_arn      = %q
		role_arn         = %q
		certificate_file = %q
		private_key_file = %q
		endpoint         = %q
	}
`, demoTrustAnchorARN, demoProfileARN, demoEdgeRoleARN, certFile, keyFile, srv.URL)
	return []byte(strings.Replace(string(demo), static, block, 1)), srv.Close, nil
}
