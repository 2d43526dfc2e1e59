package signcmd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// readRawRequest parses a raw HTTP/1.1 request: request line, headers
// (folded continuation lines and repeated names included), a blank line,
// and the body, which is everything after the blank line.
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
	head = bytes.ReplaceAll(bytes.ReplaceAll(head, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
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
	return req, body, nil
}

// writeRawRequest writes req in the raw form readRawRequest reads: Host
// first, then the headers sorted by name, each value on its own line.
func writeRawRequest(w io.Writer, req *http.Request, body []byte) {
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.Host)
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
