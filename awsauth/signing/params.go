package signing

import (
	"net/http"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// Params are the signing parameters the Transport uses for a request with
// header h to service in region at t, whose body hashes to bodyHash: a
// hash the caller declared in X-Amz-Content-Sha256 is signed as declared
// and the header kept (a streamed body), and s3 and aoss get the header
// always. aws-agent sign asks here so that it signs as the transport does.
func Params(h http.Header, service, region string, t time.Time, bodyHash string) sigv4.SigningParams {
	if declared := h.Get("X-Amz-Content-Sha256"); declared != "" {
		return sigv4.ParamsFor(service, region, t, declared, true)
	}
	return sigv4.ParamsFor(service, region, t, bodyHash, false)
}
