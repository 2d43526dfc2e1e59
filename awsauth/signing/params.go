package signing

import (
	"net/http"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// Params are the signing parameters the Transport uses for a request with
// header h to service in region at t, whose body hashes to bodyHash — the
// one place this rule lives (aws-agent sign asks here too, so that it
// signs as the transport does):
//   - a hash the caller declared in X-Amz-Content-Sha256 is signed as
//     declared and the header kept (a streamed body);
//   - s3 and aoss get the header always;
//   - s3 keeps its path as sent; other services normalize it.
func Params(h http.Header, service, region string, t time.Time, bodyHash string) sigv4.SigningParams {
	p := sigv4.SigningParams{
		Region:          region,
		Service:         service,
		Time:            t,
		PayloadHash:     bodyHash,
		NoNormalizePath: service == "s3",
		ContentSHA256:   service == "s3" || service == "aoss",
	}
	if declared := h.Get("X-Amz-Content-Sha256"); declared != "" {
		p.PayloadHash, p.ContentSHA256 = declared, true
	}
	return p
}
