package source

import (
	"context"
	"testing"
)

func TestContainerFullURIRules(t *testing.T) {
	ctx := context.Background()
	for uri, ok := range map[string]bool{
		"http://127.0.0.1:8080/creds":     true,
		"http://169.254.170.23/v1/creds":  true,
		"http://169.254.170.2/v2/creds":   true,
		"http://[fd00:ec2::23]/v1/creds":  true,
		"https://creds.example.com/x":     true,
		"http://10.0.0.8/creds":           false,
		"ftp://127.0.0.1/creds":           false,
		"http://192.168.1.1:9000/v1/cred": false,
		// Other link-local addresses are not the agents' (#34: a rule of
		// "any link-local address" passed): IMDS, a neighbour, IPv6's.
		"http://169.254.169.254/latest/creds": false,
		"http://169.254.170.3/v2/creds":       false,
		"http://[fe80::1]/v1/creds":           false,
		"http://[fd00:ec2::24]/v1/creds":      false,
	} {
		if err := checkContainerURI(ctx, uri); (err == nil) != ok {
			t.Errorf("%s: %v", uri, err)
		}
	}
}
