package signcmd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// readRawRequest parses a raw HTTP/1.1 request: request line, headers
// (folded continuation lines and repeated names included), a blank line,
// and the body, which is everything after the blank line. The request
// line may be written as AWS's SigV4 test suite writes it, with spaces and
// UTF-8 left unencoded in the path (see requestLine).
func readRawRequest(r io.Reader) (*http.Request, []byte, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	head, body := raw, []byte(nil)
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			head, body = raw[:i], raw[i+len(sep):]
			break
		}
	}
	// Normalise line ends so that net/http's parser takes LF-only input.
	head = bytes.ReplaceAll(head, []byte("\r\n"), []byte("\n"))
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	line, err := requestLine(string(first))
	if err != nil {
		return nil, nil, err
	}
	head = bytes.ReplaceAll(append([]byte(line+"\n"), rest...), []byte("\n"), []byte("\r\n"))
	req, err := http.ReadRequest(bufio.NewReader(io.MultiReader(bytes.NewReader(head), strings.NewReader("\r\n\r\n"))))
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the request: %w", err)
	}
	if req.Host == "" {
		return nil, nil, fmt.Errorf("the request has no Host header")
	}
	req.URL.Scheme, req.URL.Host = "https", req.Host
	req.RequestURI = ""
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	// As on the wire: a body goes with its length, which a service that
	// verifies a signed Content-Length reads from this header.
	if len(body) > 0 {
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	} else {
		req.Header.Del("Content-Length")
	}
	return req, body, nil
}

// requestLine rewrites "METHOD TARGET [HTTP/x.y]" so that net/http reads
// it: the target is everything between the method and the version, and
// its bytes that a request target cannot hold (spaces, controls, UTF-8)
// are percent-encoded. So "GET /example space/ HTTP/1.1" and "GET /ሴ"
// mean the paths "/example space/" and "/ሴ", as in AWS's test suite;
// escapes already there ("%20") are kept.
func requestLine(line string) (string, error) {
	line = strings.TrimSpace(line)
	method, target, ok := strings.Cut(line, " ")
	if !ok || method == "" {
		return "", fmt.Errorf("parsing the request: the first line %q is not \"METHOD PATH HTTP/1.1\"", line)
	}
	proto := "HTTP/1.1"
	if i := strings.LastIndexByte(target, ' '); i >= 0 && strings.HasPrefix(target[i+1:], "HTTP/") {
		target, proto = target[:i], target[i+1:]
	}
	target = strings.TrimSpace(target)
	if target == "" {
		return "", fmt.Errorf("parsing the request: the first line %q has no path", line)
	}
	var b strings.Builder
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c >= 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return method + " " + b.String() + " " + proto, nil
}

// writeRawRequest writes req in the raw form readRawRequest reads: Host
// first, then the headers sorted by name, each value on its own line.
func writeRawRequest(w io.Writer, req *http.Request, body []byte) {
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.Host)
	if len(body) > 0 {
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range req.Header[k] {
			fmt.Fprintf(w, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprint(w, "\r\n")
	_, _ = w.Write(body)
}
