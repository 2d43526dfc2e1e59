package classify

import (
	"net/http"
	"testing"
)

func FuzzParseAPIError(f *testing.F) {
	f.Add(403, "", []byte(`<ErrorResponse><Error><Code>ExpiredToken</Code><Message>m</Message></Error></ErrorResponse>`))
	f.Add(400, "ThrottlingException:http://x", []byte(`{"message":"Rate exceeded"}`))
	f.Add(403, "", []byte(`{"__type":"com.amazon#AccessDeniedException","message":"User: a is not authorized to perform: b on resource: c"}`))
	f.Add(500, "", []byte("<html>oops"))
	f.Add(403, "", []byte(`{"message":"User: anonymous is not authorized to perform: execute-api:Invoke"}`))
	f.Fuzz(func(t *testing.T, status int, errType string, body []byte) {
		h := http.Header{}
		if errType != "" {
			h.Set("X-Amzn-ErrorType", errType)
		}
		e, ok := ParseAPIError(status, h, body)
		if ok != (e.Code != "") {
			t.Fatalf("ok=%v with code %q", ok, e.Code)
		}
		if ok && e.Class() != Code(e.Code) {
			t.Fatal("inconsistent class")
		}
		AccessDeniedDetail(e.Message)
	})
}
