package sigv4verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// Verifier checks SigV4 signatures the way an AWS service does, following
// "Create a signed AWS API request" in the IAM user guide step by step. It
// recomputes the signature from the request as received and the secret in
// its keyring; it shares no code with any signer.
type Verifier struct {
	Keys *Keyring
	// Service and Region, when set, are the only scope accepted.
	Service, Region string
	// S3Paths: canonical URI encoded once, without normalization (S3 rules).
	S3Paths bool
	// Now is the server's clock. Nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may be from Now. Zero means 5 minutes.
	MaxSkew time.Duration
	// JSON selects the error shape of REST-JSON services (X-Amzn-ErrorType
	// and {"message"}) instead of the query/XML <ErrorResponse>.
	JSON bool
	// Accept, when set, is who may call: a request signed correctly with
	// any other key of the keyring is refused with AccessDenied, as AWS
	// refuses a principal that the policy does not allow.
	Accept func(Key) bool
}

// AssumedRole accepts the temporary credentials of a session of the role
// roleARN (arn:aws:iam::ACCOUNT:role/NAME), and nothing else: not the long-term
// keys the role was assumed with.
func AssumedRole(roleARN string) func(Key) bool {
	account, name := "", ""
	if rest, ok := strings.CutPrefix(roleARN, "arn:aws:iam::"); ok {
		account, name, _ = strings.Cut(rest, ":role/")
	}
	prefix := "arn:aws:sts::" + account + ":assumed-role/" + name + "/"
	return func(k Key) bool { return name != "" && k.SessionToken != "" && strings.HasPrefix(k.ARN, prefix) }
}

// Caller is who signed an accepted request.
type Caller struct {
	Key     Key
	Service string
	Region  string
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks r, whose body has been read into body. It returns the
// caller, or an AWS error to send back.
func (v *Verifier) Verify(r *http.Request, body []byte) (Caller, *Error) {
	a, e := v.parseAuthorization(r)
	if e != nil {
		return Caller{}, e
	}
	if e := v.checkTime(a); e != nil {
		return Caller{}, e
	}
	key, e := v.knownKey(r, a.keyID)
	if e != nil {
		return Caller{}, e
	}
	headerList := strings.Split(a.signedHeaders, ";")
	if e := v.checkSignedHeaders(r, headerList); e != nil {
		return Caller{}, e
	}
	payloadHash, e := v.payloadHash(r, body)
	if e != nil {
		return Caller{}, e
	}
	if e := v.checkSignature(r, a, key, headerList, payloadHash); e != nil {
		return Caller{}, e
	}
	if v.Accept != nil && !v.Accept(key) {
		return Caller{}, v.fail(http.StatusForbidden, v.pick("AccessDenied", "AccessDeniedException"),
			"User: "+key.ARN+" is not authorized to perform this action", "")
	}
	return Caller{Key: key, Service: a.service, Region: a.region}, nil
}

// authorization is what the Authorization and X-Amz-Date headers say.
type authorization struct {
	keyID, date, region, service string
	signedHeaders, signature     string
	amzDate                      string
}

func (v *Verifier) parseAuthorization(r *http.Request) (authorization, *Error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return authorization{}, v.fail(http.StatusForbidden, "MissingAuthenticationToken", "Missing Authentication Token", "")
	}
	const alg = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, alg) {
		return authorization{}, v.fail(http.StatusBadRequest, "IncompleteSignature", "Unsupported signing algorithm", "")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(auth[len(alg):], ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = val
		}
	}
	credential, signedHeaders, signature := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if credential == "" || signedHeaders == "" || signature == "" {
		return authorization{}, v.fail(http.StatusBadRequest, "IncompleteSignature",
			"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters", "")
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return authorization{}, v.fail(http.StatusBadRequest, "IncompleteSignature", "Credential is not of the form KEY/DATE/REGION/SERVICE/aws4_request", "")
	}
	return authorization{keyID: scope[0], date: scope[1], region: scope[2], service: scope[3],
		signedHeaders: signedHeaders, signature: signature, amzDate: r.Header.Get("X-Amz-Date")}, nil
}

// checkTime holds the request's time to the server's, within MaxSkew, and
// the scope's date to the request's.
func (v *Verifier) checkTime(a authorization) *Error {
	amzDate, date, region, service := a.amzDate, a.date, a.region, a.service
	signedAt, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return v.fail(http.StatusBadRequest, "IncompleteSignature", "X-Amz-Date is missing or malformed", "")
	}
	maxSkew := v.MaxSkew
	if maxSkew == 0 {
		maxSkew = 5 * time.Minute
	}
	now := v.now().UTC()
	if d := now.Sub(signedAt); d > maxSkew || d < -maxSkew {
		return v.fail(http.StatusForbidden, "RequestTimeTooSkewed", fmt.Sprintf(
			"The difference between the request time and the current time is too large. Request time %s, server time %s",
			amzDate, now.Format("20060102T150405Z")), "")
	}
	if date != amzDate[:8] {
		return v.fail(http.StatusForbidden, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP", "")
	}
	if v.Region != "" && region != v.Region {
		return v.fail(http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to a valid region, not '%s'", region), "")
	}
	if v.Service != "" && service != v.Service {
		return v.fail(http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to correct service: '%s'", v.Service), "")
	}
	return nil
}

// knownKey is the key the request names, if the keyring knows it, its
// session token matches, and it has not expired.
func (v *Verifier) knownKey(r *http.Request, keyID string) (Key, *Error) {
	now := v.now().UTC()
	key, ok := v.Keys.Lookup(keyID)
	if !ok {
		return Key{}, v.fail(http.StatusForbidden, v.pick("InvalidClientTokenId", "UnrecognizedClientException"), "The security token included in the request is invalid.", "")
	}
	if key.SessionToken != "" || r.Header.Get("X-Amz-Security-Token") != "" {
		if r.Header.Get("X-Amz-Security-Token") != key.SessionToken {
			return Key{}, v.fail(http.StatusForbidden, v.pick("InvalidClientTokenId", "UnrecognizedClientException"), "The security token included in the request is invalid.", "")
		}
	}
	if !key.Expires.IsZero() && !now.Before(key.Expires) {
		return Key{}, v.fail(http.StatusForbidden, v.pick("ExpiredToken", "ExpiredTokenException"), "The security token included in the request is expired", "")
	}
	return key, nil
}

// checkSignedHeaders requires the headers AWS requires signed.
func (v *Verifier) checkSignedHeaders(r *http.Request, headerList []string) *Error {
	if !contains(headerList, "host") {
		return v.fail(http.StatusForbidden, "SignatureDoesNotMatch", "'Host' must be a signed header", "")
	}
	if !contains(headerList, "x-amz-date") {
		return v.fail(http.StatusForbidden, "SignatureDoesNotMatch", "'X-Amz-Date' must be a signed header", "")
	}
	if r.Header.Get("X-Amz-Security-Token") != "" && !contains(headerList, "x-amz-security-token") && !v.S3Paths {
		return v.fail(http.StatusForbidden, "SignatureDoesNotMatch", "'X-Amz-Security-Token' must be a signed header", "")
	}
	return nil
}

// payloadHash is the SHA-256 of what arrived; a declared hash must match
// it.
func (v *Verifier) payloadHash(r *http.Request, body []byte) (string, *Error) {
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" {
		if declared == "UNSIGNED-PAYLOAD" && v.S3Paths {
			payloadHash = declared // S3 alone lets a payload go unsigned
		} else if declared != payloadHash {
			return "", v.fail(http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", "")
		}
	}
	return payloadHash, nil
}

// checkSignature recomputes the signature from the documentation's steps
// and compares it; a mismatch answers with the canonical request and
// string to sign, as AWS does.
func (v *Verifier) checkSignature(r *http.Request, a authorization, key Key, headerList []string, payloadHash string) *Error {
	amzDate, date, region, service, signature := a.amzDate, a.date, a.region, a.service, a.signature
	canonical := v.CanonicalRequest(r, headerList, payloadHash)
	hashed := sha256.Sum256([]byte(canonical))
	stringToSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + date + "/" + region + "/" + service + "/aws4_request\n" + hex.EncodeToString(hashed[:])

	kDate := hmacSHA256([]byte("AWS4"+key.SecretAccessKey), date)
	kRegion := hmacSHA256(kDate, region)
	kService := hmacSHA256(kRegion, service)
	kSigning := hmacSHA256(kService, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(kSigning, stringToSign))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return v.fail(http.StatusForbidden, v.pick("SignatureDoesNotMatch", "InvalidSignatureException"),
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"+
				"The Canonical String for this request should have been\n'"+canonical+"'\n\nThe String-to-Sign should have been\n'"+stringToSign+"'\n",
			canonical)
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// CanonicalRequest builds the canonical request of r for the given signed
// headers and payload hash: method, canonical URI, canonical query string,
// canonical headers, signed headers, payload hash, each on its own line.
func (v *Verifier) CanonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	return strings.Join([]string{r.Method, v.canonicalPath(r), canonicalQueryOf(r.URL.RawQuery),
		canonicalHeadersOf(r, signedHeaders), strings.Join(signedHeaders, ";"), payloadHash}, "\n")
}

// canonicalPath is the path as it came on the wire, URI-encoded: for S3
// decoded once and encoded once, for the other services with its dot
// segments removed and encoded again.
func (v *Verifier) canonicalPath(r *http.Request) string {
	rawPath := r.URL.EscapedPath()
	if target, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(target, "/") {
		rawPath = target
	} else if u, err := url.Parse(target); err == nil && u.Host != "" { // absolute form
		rawPath = u.EscapedPath()
	}
	if v.S3Paths {
		decoded, err := url.PathUnescape(rawPath)
		if err != nil {
			decoded = rawPath
		}
		return uriEncode(orSlash(decoded), false)
	}
	return uriEncode(removeDotSegments(rawPath), false)
}

// canonicalQueryOf is each name and value URI-encoded, sorted by name,
// then value.
func canonicalQueryOf(raw string) string {
	type pair struct{ k, v string }
	var pairs []pair
	if raw != "" {
		for _, p := range strings.Split(raw, "&") {
			if p == "" {
				continue
			}
			k, val, _ := strings.Cut(p, "=")
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(val)
			if err1 != nil {
				dk = k
			}
			if err2 != nil {
				dv = val
			}
			pairs = append(pairs, pair{uriEncode(dk, true), uriEncode(dv, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k == pairs[j].k {
			return pairs[i].v < pairs[j].v
		}
		return pairs[i].k < pairs[j].k
	})
	q := make([]string, len(pairs))
	for i, p := range pairs {
		q[i] = p.k + "=" + p.v
	}
	return strings.Join(q, "&")
}

// canonicalHeadersOf is each signed header's lower-case name, a colon and
// its values, spaces squeezed, joined by commas, a line each.
func canonicalHeadersOf(r *http.Request, signedHeaders []string) string {
	var hdr strings.Builder
	for _, name := range signedHeaders {
		values := []string{r.Host}
		if name != "host" {
			values = slices.Clone(r.Header.Values(name))
		}
		for i := range values {
			values[i] = strings.Join(strings.Fields(values[i]), " ")
		}
		hdr.WriteString(name + ":" + strings.Join(values, ",") + "\n")
	}
	return hdr.String()
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// removeDotSegments follows RFC 3986 section 5.2.4, and also drops empty
// segments, as AWS services other than S3 do.
func removeDotSegments(p string) string {
	var stack []string
	segments := strings.Split(p, "/")
	for _, s := range segments {
		if s == "" || s == "." {
			continue
		}
		if s == ".." {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		stack = append(stack, s)
	}
	out := "/" + strings.Join(stack, "/")
	if tail := segments[len(segments)-1]; len(stack) > 0 && (tail == "" || tail == "." || tail == "..") {
		out += "/"
	}
	return out
}

// uriEncode encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' unless
// encodeSlash), with upper-case hex digits.
func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (v *Verifier) pick(query, json string) string {
	if v.JSON {
		return json
	}
	return query
}

func (v *Verifier) fail(status int, code, message, canonical string) *Error {
	return &Error{Status: status, Code: code, Message: message, JSON: v.JSON, CanonicalRequest: canonical, Date: v.now()}
}
