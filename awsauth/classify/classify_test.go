package classify

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestParseAPIError(t *testing.T) {
	cases := []struct {
		header http.Header
		body   string
		code   string
		class  Class
	}{
		{nil, `<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>`, "ExpiredToken", Expired},
		{nil, `<Error><Code>RequestTimeTooSkewed</Code><Message>The difference...</Message></Error>`, "RequestTimeTooSkewed", ClockSkew},
		{nil, `{"__type":"com.amazonaws.aps#AccessDeniedException","message":"User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: aps:RemoteWrite on resource: arn:aws:aps:us-east-1:1:workspace/ws-1"}`, "AccessDeniedException", AccessDenied},
		{http.Header{"X-Amzn-Errortype": {"InvalidSignatureException:http://internal.amazon.com/coral/"}}, `{"message":"Signature expired"}`, "InvalidSignatureException", SignatureMismatch},
		{http.Header{"X-Amzn-Errortype": {"ThrottlingException"}}, `{"message":"Rate exceeded"}`, "ThrottlingException", Throttled},
		{nil, `{"message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:1:abc/prod/POST/push"}`, "AccessDeniedException", AccessDenied},
	}
	for _, c := range cases {
		h := c.header
		if h == nil {
			h = http.Header{}
		}
		e, ok := ParseAPIError(403, h, []byte(c.body))
		if !ok || e.Code != c.code || e.Class() != c.class {
			t.Errorf("%s: got %+v", c.body, e)
		}
	}
	principal, action, resource, ok := AccessDeniedDetail("User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: aps:RemoteWrite on resource: arn:aws:aps:us-east-1:1:workspace/ws-1")
	if !ok || principal != "arn:aws:sts::1:assumed-role/r/s" || action != "aps:RemoteWrite" || resource != "arn:aws:aps:us-east-1:1:workspace/ws-1" {
		t.Fatalf("%q %q %q", principal, action, resource)
	}
	if _, ok := ParseAPIError(503, http.Header{}, []byte("upstream connect error")); ok {
		t.Fatal("plain text classified as an AWS error")
	}
}

// An SDK error with no HTTP answer reads as what went wrong, in our words
// (#32: "StatusCode: 0, RequestID: ," reached health and check).
func TestDescribeDropsTheSDKsNoAnswerNoise(t *testing.T) {
	err := &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{}}, Err: errors.New("failed to decode response body, unexpected EOF")},
	}}
	got := Describe(err)
	if got != "sts:AssumeRole: no HTTP answer: failed to decode response body, unexpected EOF" || strings.Contains(got, "StatusCode") || strings.Contains(got, "RequestID") {
		t.Fatalf("%q (from %q)", got, err.Error())
	}
}
