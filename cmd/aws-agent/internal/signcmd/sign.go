// Package signcmd is `aws-agent sign`, the SignatureDoesNotMatch debugger:
// it signs a raw request with exactly the transport's signing code, or
// verifies one with the test kit's independent verifier.
package signcmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/chain"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/scope"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/signing"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
)

const signUsage = `aws-agent sign: sign a raw HTTP request as aws.auth would, to debug SignatureDoesNotMatch.

Reads a raw HTTP/1.1 request (request line, headers, blank line, body) from
stdin or --request. The request line may carry the path unencoded, as AWS's
SigV4 test suite and many logs write it: "GET /example space/ HTTP/1.1" means
the path "/example space/"; escapes such as %20 are read as escapes. Like the
AWS SDKs, the path is then encoded twice for every service but S3
(--normalize-path=false encodes it once, as the test suite's canonical
requests show). Content-Length is signed when the body is not empty. Credentials come from the usual chain: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN work.

  aws-agent sign --region us-east-1 < request.txt
  aws-agent sign --print canonical-request < request.txt
  aws-agent sign < request.txt | aws-agent sign --verify

Flags:
`

// flags are sign's command line.
type flags struct {
	requestFile, region, service, at, normalize, print, expected string
	signBody, verify                                             bool
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, signUsage); fs.PrintDefaults() }
	fs.StringVar(&f.requestFile, "request", "", "read the request from this file instead of stdin")
	fs.StringVar(&f.region, "region", "", "signing region (default: from the host, then AWS_REGION)")
	fs.StringVar(&f.service, "service", "", "signing service (default: inferred from the Host header)")
	fs.StringVar(&f.at, "time", "", "signing time, RFC 3339 (default: now; with --verify: the request's X-Amz-Date)")
	fs.StringVar(&f.normalize, "normalize-path", "", "normalize and double-encode the path: true or false (default true, false for s3)")
	fs.BoolVar(&f.signBody, "sign-body", false, "add X-Amz-Content-Sha256")
	fs.StringVar(&f.print, "print", "request", "what to print: request, canonical-request, string-to-sign, signature or authorization")
	fs.BoolVar(&f.verify, "verify", false, "verify a signed request with the independent verifier instead of signing")
	fs.StringVar(&f.expected, "canonical-request", "", "with --verify: a file holding the canonical request the request was signed with; the first line that differs is shown")
	return f, fs.Parse(args)
}

// Run is `aws-agent sign`.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	req, body, err := f.readRequest(stdin)
	if err != nil {
		return err
	}
	creds, err := credentials(f.region)
	if err != nil {
		return err
	}
	svc, reg, err := scope.For(req.Host, f.service, f.region)
	if err != nil {
		return err
	}
	if f.verify {
		return verifyRequest(req, body, creds, svc, f.expected, stdout)
	}
	params, err := f.params(req, body, svc, reg)
	if err != nil {
		return err
	}
	return f.printSigned(stdout, req, body, sigv4.Explain(req, creds, params), creds.SessionToken)
}

func (f flags) readRequest(stdin io.Reader) (*http.Request, []byte, error) {
	if f.requestFile == "" {
		return readRawRequest(stdin)
	}
	file, err := os.Open(f.requestFile)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	return readRawRequest(file)
}

// credentials are the usual chain's, as aws.auth would find them with
// no arguments but the region.
func credentials(region string) (aws.Credentials, error) {
	ch, err := chain.New(chain.Config{Region: region})
	if err != nil && region == "" {
		// The region may still come from the host.
		ch, err = chain.New(chain.Config{Region: "us-east-1"})
	}
	if err != nil {
		return aws.Credentials{}, err
	}
	creds, err := ch.Retrieve(context.Background())
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("no credentials to sign with: %w", err)
	}
	return creds, nil
}

// params are the transport's signing parameters for the request, with the
// flags' time, --sign-body and --normalize-path on top.
func (f flags) params(req *http.Request, body []byte, service, region string) (sigv4.SigningParams, error) {
	when := time.Now()
	if f.at != "" {
		var err error
		if when, err = time.Parse(time.RFC3339, f.at); err != nil {
			return sigv4.SigningParams{}, fmt.Errorf("--time: %w", err)
		}
	}
	sum := sha256.Sum256(body)
	params := signing.Params(req.Header, service, region, when, hex.EncodeToString(sum[:]))
	params.ContentSHA256 = params.ContentSHA256 || f.signBody
	switch f.normalize {
	case "":
	case "true":
		params.NoNormalizePath = false
	case "false":
		params.NoNormalizePath = true
	default:
		return params, fmt.Errorf("--normalize-path: want true or false, got %q", f.normalize)
	}
	return params, nil
}

// printSigned prints what --print asks for; the session token only in the
// request itself.
func (f flags) printSigned(stdout io.Writer, req *http.Request, body []byte, sig sigv4.Signature, token string) error {
	switch f.print {
	case "request":
		writeRawRequest(stdout, req, body)
	case "canonical-request":
		fmt.Fprintln(stdout, maskToken(sig.CanonicalRequest, token))
	case "string-to-sign":
		fmt.Fprintln(stdout, sig.StringToSign)
	case "signature":
		fmt.Fprintln(stdout, sig.Signature)
	case "authorization":
		fmt.Fprintln(stdout, sig.Authorization)
	default:
		return fmt.Errorf("--print: want request, canonical-request, string-to-sign, signature or authorization, got %q", f.print)
	}
	return nil
}

// verifyRequest checks a signed request with package sigv4verify's
// verifier, which shares no code with the signer, at the request's own
// X-Amz-Date.
func verifyRequest(req *http.Request, body []byte, creds aws.Credentials, service, expectedFile string, stdout io.Writer) error {
	date, err := time.Parse("20060102T150405Z", req.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("the request has no valid X-Amz-Date: %w", err)
	}
	v := &sigv4verify.Verifier{
		Keys:    sigv4verify.NewKeyring(sigv4verify.Key{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}),
		S3Paths: service == "s3",
		Now:     func() time.Time { return date },
	}
	req.RequestURI = req.URL.RequestURI() // as a server receives it
	_, verr := v.Verify(req, body)
	if verr == nil {
		fmt.Fprintln(stdout, "signature OK")
		return nil
	}
	msg, _, _ := strings.Cut(verr.Message, "\n")
	fmt.Fprintf(stdout, "%s: %s\n", verr.Code, msg)
	if verr.CanonicalRequest != "" {
		if expectedFile == "" {
			fmt.Fprintf(stdout, "canonical request of the request as received:\n%s\n", maskToken(verr.CanonicalRequest, creds.SessionToken))
		} else {
			want, err := os.ReadFile(expectedFile)
			if err != nil {
				return err
			}
			// Compared masked: a canonical request printed by --print holds
			// the token masked.
			signedCR := maskToken(strings.TrimRight(string(want), "\n"), creds.SessionToken)
			if line, signed, received, differ := firstDifference(signedCR, maskToken(verr.CanonicalRequest, creds.SessionToken)); differ {
				fmt.Fprintf(stdout, "canonical request line %d differs:\n  signed:   %q\n  received: %q\n", line, signed, received)
			}
		}
	}
	return errVerifyFailed
}

// maskToken hides the session token in text that is printed: it is a
// secret, and only the request itself carries it.
func maskToken(text, token string) string {
	if token == "" {
		return text
	}
	return strings.ReplaceAll(text, token, fmt.Sprintf("<session token, %d characters>", len(token)))
}

// errVerifyFailed is returned when --verify rejects the request; the reason is printed.
var errVerifyFailed = exitstatus.New(1, "the signature does not verify")

func firstDifference(want, got string) (line int, wantLine, gotLine string, differ bool) {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return i + 1, a, b, true
		}
	}
	return 0, "", "", false
}
