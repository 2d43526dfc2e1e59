package gateway

import (
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/operations"
)

// Every default service has its telemetry writes in the table, with the
// IAM action and resource a policy needs; no forbidden service has any.
func TestTheTableCoversTheDefaultServices(t *testing.T) {
	for _, s := range DefaultServices {
		if !operations.Known(s) {
			t.Errorf("default service %q has no operation in the table", s)
		}
	}
	for _, s := range ForbiddenServices {
		if operations.Known(s) {
			t.Errorf("forbidden service %q has an operation", s)
		}
	}
	for _, o := range operations.Table {
		if o.Action == "" || o.Resource == "" || len(o.Methods) == 0 || o.Endpoint == "" {
			t.Errorf("operation %+v lacks what a policy needs", o)
		}
	}
}
