package classify

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Class groups AWS errors by what the user has to do about them.
type Class string

const (
	None              Class = ""
	NoCredentials     Class = "no_credentials"
	Expired           Class = "expired"
	InvalidToken      Class = "invalid_token"
	AccessDenied      Class = "access_denied"
	SignatureMismatch Class = "signature_mismatch"
	ClockSkew         Class = "clock_skew"
	Throttled         Class = "throttled"
	Other             Class = "other"
)

// Code maps an AWS error code to its class.
func Code(code string) Class {
	switch code {
	case "":
		return None
	case "NoCredentialProviders":
		return NoCredentials
	case "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired":
		return Expired
	case "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "InvalidToken", "IncompleteSignature", "MissingAuthenticationToken", "MissingAuthenticationTokenException":
		return InvalidToken
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden", "ForbiddenException":
		return AccessDenied
	case "SignatureDoesNotMatch", "InvalidSignatureException":
		return SignatureMismatch
	case "RequestTimeTooSkewed", "RequestInTheFuture":
		return ClockSkew
	case "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
		"ProvisionedThroughputExceededException", "RequestThrottled", "RequestThrottledException", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException":
		return Throttled
	}
	return Other
}

// errorCode returns the AWS error code carried by err, if any.
func errorCode(err error) string {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// Of is the class of an error: that of the AWS error code it carries
// (an ErrorCode method anywhere in its chain).
func Of(err error) Class {
	if err == nil {
		return None
	}
	return Code(errorCode(err))
}

// APIError is an AWS error response: its code, message and the HTTP status.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// ErrorCode lets errors.As find the code as it finds the SDK's.
func (e *APIError) ErrorCode() string { return e.Code }

// Class is the error's class.
func (e *APIError) Class() Class { return Code(e.Code) }

// ParseAPIError reads an AWS error from a response's header and body. The
// services answer in one of three shapes: the query/XML protocols
// (<Error><Code>), the JSON protocols ({"__type": ...}), and REST services
// that name the code in X-Amzn-ErrorType. ok is false when none matches.
func ParseAPIError(status int, header http.Header, body []byte) (e *APIError, ok bool) {
	e = &APIError{Status: status}
	if t := header.Get("X-Amzn-ErrorType"); t != "" {
		e.Code = trimErrorType(t)
	}
	trimmed := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(trimmed, "<"):
		var x struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
			Error   struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
		}
		if xml.Unmarshal([]byte(trimmed), &x) == nil {
			if x.Code == "" {
				x.Code, x.Message = x.Error.Code, x.Error.Message
			}
			if x.Code != "" {
				e.Code = x.Code
			}
			e.Message = x.Message
		}
	case strings.HasPrefix(trimmed, "{"):
		var j map[string]any
		if json.Unmarshal([]byte(trimmed), &j) == nil {
			for _, k := range []string{"__type", "code", "Code"} {
				if s, _ := j[k].(string); s != "" && e.Code == "" {
					e.Code = trimErrorType(s)
				}
			}
			for _, k := range []string{"message", "Message", "errorMessage"} {
				if s, _ := j[k].(string); s != "" {
					e.Message = s
					break
				}
			}
		}
	}
	if e.Code == "" && status == http.StatusForbidden && strings.Contains(e.Message, "not authorized to perform") {
		e.Code = "AccessDeniedException"
	}
	return e, e.Code != ""
}

// trimErrorType reduces "aws.protocoltests#ExpiredTokenException:http://..."
// to "ExpiredTokenException".
func trimErrorType(t string) string {
	if i := strings.IndexByte(t, ':'); i >= 0 {
		t = t[:i]
	}
	if i := strings.LastIndexByte(t, '#'); i >= 0 {
		t = t[i+1:]
	}
	return strings.TrimSpace(t)
}

var deniedPattern = regexp.MustCompile(`(?:User|user): (\S+) is not authorized to perform: (\S+)(?: on resource: (\S+))?`)

// AccessDeniedDetail pulls the principal, action and resource AWS named out
// of an AccessDenied message.
func AccessDeniedDetail(message string) (principal, action, resource string, ok bool) {
	m := deniedPattern.FindStringSubmatch(message)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], strings.TrimRight(m[3], ".,"), true
}

// Describe shortens an SDK error to "service:Operation: Code: message",
// dropping request IDs and HTTP noise but keeping what AWS said.
func Describe(err error) string {
	var op *smithy.OperationError
	var api smithy.APIError
	if errors.As(err, &api) {
		s := api.ErrorCode()
		if m := api.ErrorMessage(); m != "" {
			s += ": " + m
		}
		if errors.As(err, &op) {
			s = strings.ToLower(op.ServiceID) + ":" + op.OperationName + ": " + s
		}
		return s
	}
	// A network failure: what failed, without the SDK's retry wrapping
	// ("exceeded maximum number of attempts, 1, https response error
	// StatusCode: 0, RequestID: , ...").
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		s := "request send failed: " + send.Err.Error()
		if errors.As(err, &op) {
			s = strings.ToLower(op.ServiceID) + ":" + op.OperationName + ": " + s
		}
		return s
	}
	if s, ok := processOutput(err); ok {
		return s
	}
	// An answer that was no HTTP answer (status 0: the request was cut,
	// the body undecodable), which the SDK prints as "https response error
	// StatusCode: 0, RequestID: , …": what went wrong, without the noise.
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && resp.Response != nil && resp.Response.Response != nil && resp.Response.StatusCode == 0 && resp.Err != nil {
		s := "no HTTP answer: " + resp.Err.Error()
		if errors.As(err, &op) {
			s = strings.ToLower(op.ServiceID) + ":" + op.OperationName + ": " + s
		}
		return s
	}
	return err.Error()
}

// processOutput summarizes the SDK's error for a credential_process whose
// output did not parse: the SDK quotes the whole output, which holds the
// secret key and token when the helper printed a notice besides its JSON.
// The summary says how much was printed and what the JSON parser found.
func processOutput(err error) (string, bool) {
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) || pe.Err == nil {
		return "", false
	}
	const prefix = "parse failed of process output: "
	msg := pe.Err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	cause := errors.Unwrap(pe.Err)
	n, why := len(msg)-len(prefix), "it is not JSON"
	if cause != nil {
		n -= len(", error: ") + len(cause.Error())
		why = cause.Error()
	}
	var syntax *json.SyntaxError
	if errors.As(cause, &syntax) {
		why = fmt.Sprintf("not JSON at byte %d", syntax.Offset)
	}
	return fmt.Sprintf("credential_process printed something other than the JSON the SDK expects (%d bytes; %s): make the helper print only its JSON on stdout", max(n, 0), why), true
}
