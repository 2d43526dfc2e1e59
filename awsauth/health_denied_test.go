package awsauth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
)

// AccessDenied as each telemetry service answers it says what to add: the
// statement, where AWS itself named the action and resource; the actions
// of the service's telemetry writes, where the answer is a customer's
// (API Gateway, OpenSearch) and its text is not believed.
func TestHealthSaysWhatAccessDeniedNeeds(t *testing.T) {
	isolateEnv(t)
	fake := fakeaws.StartSTS(t, awsauthtest.User)
	a, err := New(Config{Credentials: chain.Config{Region: "us-east-1", AccessKeyID: awsauthtest.UserKeyID, SecretAccessKey: awsauthtest.UserSecret, STSEndpoint: fake.URL}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.cache.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		service, host, path string
		errorType           string // X-Amzn-ErrorType, "" for none
		body                func(arn string) map[string]string
		want                string
	}{
		{"aps", "aps-workspaces.us-east-1.amazonaws.com", "/workspaces/ws-1/api/v1/remote_write", "AccessDeniedException",
			func(arn string) map[string]string {
				return map[string]string{"message": "User: " + arn + " is not authorized to perform: aps:RemoteWrite on resource: arn:aws:aps:us-east-1:111122223333:workspace/ws-1"}
			},
			`{"Effect":"Allow","Action":"aps:RemoteWrite","Resource":"arn:aws:aps:us-east-1:111122223333:workspace/ws-1"}`},
		{"logs", "logs.us-east-1.amazonaws.com", "/v1/logs", "",
			func(arn string) map[string]string {
				return map[string]string{"__type": "AccessDeniedException", "message": "User: " + arn + " is not authorized to perform: logs:PutLogEvents on resource: arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:node-1 because no identity-based policy allows the logs:PutLogEvents action"}
			},
			`{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"arn:aws:logs:us-east-1:111122223333:log-group:/app:log-stream:node-1"}`},
		{"xray", "xray.us-east-1.amazonaws.com", "/v1/traces", "AccessDeniedException",
			func(arn string) map[string]string {
				return map[string]string{"Message": "User: " + arn + " is not authorized to perform: xray:PutTraceSegments"}
			},
			`{"Effect":"Allow","Action":"xray:PutTraceSegments","Resource":"*"}`},
		{"execute-api", "a1b2c3.execute-api.us-east-1.amazonaws.com", "/prod/loki/api/v1/push", "AccessDeniedException",
			func(arn string) map[string]string {
				return map[string]string{"Message": "User: " + arn + " is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:111122223333:a1b2c3/prod/POST/loki/api/v1/push"}
			},
			"the role's identity policy must allow execute-api:Invoke on the resource written to"},
		{"es", "search-logs-abc.us-east-1.es.amazonaws.com", "/app/_bulk", "",
			func(arn string) map[string]string {
				return map[string]string{"Message": "User: " + arn + " is not authorized to perform: es:ESHttpPost"}
			},
			"the role's identity policy must allow es:ESHttpPost, es:ESHttpPut on the resource written to"},
	}
	for _, c := range cases {
		t.Run(c.service, func(t *testing.T) {
			body := c.body
			ep := &fakeaws.Endpoint{Verifier: &awsauthtest.Verifier{Keys: fake.Keys, Service: c.service, JSON: true},
				Next: func(w http.ResponseWriter, _ *http.Request, _ []byte, caller awsauthtest.Caller) {
					if c.errorType != "" {
						w.Header().Set("X-Amzn-ErrorType", c.errorType)
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(403)
					_ = json.NewEncoder(w).Encode(body(caller.Key.ARN))
				}}
			srv := newServer(t, ep)
			req, _ := http.NewRequest("POST", srv+c.path, strings.NewReader("x"))
			req.Host = c.host
			resp, err := a.Transport(nil, "").RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 {
				t.Fatalf("status %d: the fake did not refuse", resp.StatusCode)
			}
			h := a.Status().Health(time.Now())
			if h.Healthy || !strings.HasPrefix(h.Message, "AccessDenied: ") || !strings.Contains(h.Message, c.want) {
				t.Fatalf("health %q\nwant it to contain %q", h.Message, c.want)
			}
		})
	}
}
