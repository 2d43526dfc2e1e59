package awsauth

import (
	"net/http/httptest"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

const (
	baseKeyID  = "AKIAIOSFODNN7EXAMPLE"
	baseSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	baseARN    = "arn:aws:iam::111122223333:user/agent"
	roleARN    = "arn:aws:iam::444455556666:role/telemetry-writer"
)

// fakeAWS is an STS on loopback with one long-term user key.
type fakeAWS struct {
	keys *awsauthtest.Keyring
	sts  *awsauthtest.STS
	url  string
}

func newFakeAWS(t *testing.T) *fakeAWS {
	t.Helper()
	keys := awsauthtest.NewKeyring(awsauthtest.Key{AccessKeyID: baseKeyID, SecretAccessKey: baseSecret, ARN: baseARN, Account: "111122223333", UserID: "AIDAEXAMPLEUSERID"})
	sts := &awsauthtest.STS{Keys: keys}
	srv := httptest.NewServer(sts)
	t.Cleanup(srv.Close)
	return &fakeAWS{keys: keys, sts: sts, url: srv.URL}
}

func isolateEnv(t *testing.T) { awsauthtest.IsolateEnv(t) }
