package awsauth

import (
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
)

func isolateEnv(t *testing.T) { awsauthtest.IsolateEnv(t) }
