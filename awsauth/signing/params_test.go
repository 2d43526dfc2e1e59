package signing

import (
	"net/http"
	"testing"
	"time"
)

// A declared body hash is signed as declared, with its header; s3 and
// aoss get the header always; other services sign the body's own hash
// without it; s3 alone keeps its path as sent.
func TestParams(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	declared := http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}
	for _, c := range []struct {
		header          http.Header
		service, hash   string
		wantContentSHA  bool
		wantPayloadHash string
	}{
		{nil, "logs", "abc", false, "abc"},
		{nil, "s3", "abc", true, "abc"},
		{nil, "aoss", "abc", true, "abc"},
		{declared, "logs", "abc", true, "UNSIGNED-PAYLOAD"},
	} {
		p := Params(c.header, c.service, "us-east-1", at, c.hash)
		if p.NoNormalizePath != (c.service == "s3") {
			t.Errorf("%s: NoNormalizePath %v", c.service, p.NoNormalizePath)
		}
		if p.ContentSHA256 != c.wantContentSHA || p.PayloadHash != c.wantPayloadHash || p.Service != c.service || p.Region != "us-east-1" {
			t.Errorf("%s with %v: %+v", c.service, c.header, p)
		}
	}
}
