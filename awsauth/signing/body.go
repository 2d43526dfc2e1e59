package signing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"sync"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4"
)

// payload is a request body hashed once. A body with GetBody is hashed
// through a second reader and sent as it is; any other body is read into
// memory once, since it has to be both hashed and sent.
type payload struct {
	hash     string
	first    io.ReadCloser
	getBody  func() (io.ReadCloser, error)
	buffered bool
	size     int64 // of a buffered body
}

func newPayload(req *http.Request) (*payload, error) {
	if h := req.Header.Get("X-Amz-Content-Sha256"); h != "" {
		return &payload{hash: h, first: req.Body, getBody: req.GetBody}, nil
	}
	if req.Body == nil || req.Body == http.NoBody {
		return &payload{hash: sigv4.EmptyPayloadHash, first: req.Body, getBody: noBody}, nil
	}
	if req.GetBody != nil {
		r, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		hash, err := hashReader(r)
		if err != nil {
			return nil, err
		}
		return &payload{hash: hash, first: req.Body, getBody: req.GetBody}, nil
	}
	b, err := readBody(req)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	getBody := bytesBody(b)
	first, _ := getBody()
	return &payload{hash: hex.EncodeToString(sum[:]), first: first, getBody: getBody, buffered: true, size: int64(len(b))}, nil
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

func bytesBody(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// readBody reads and closes req's body: into one allocation of the right
// size when the length is known.
func readBody(req *http.Request) ([]byte, error) {
	defer req.Body.Close()
	if n := req.ContentLength; n > 0 && n < 1<<30 {
		b := make([]byte, n)
		_, err := io.ReadFull(req.Body, b)
		return b, err
	}
	return io.ReadAll(req.Body)
}

// replayable returns req with a GetBody, reading a body that has none
// into memory, so that it can be sent again; the caller's request is not
// changed. A body whose hash the caller declared (X-Amz-Content-Sha256)
// is left to stream.
func replayable(req *http.Request) (*http.Request, error) {
	if req.GetBody != nil || req.Header.Get("X-Amz-Content-Sha256") != "" {
		return req, nil
	}
	r := new(http.Request)
	*r = *req
	if req.Body == nil || req.Body == http.NoBody {
		r.GetBody = noBody
		return r, nil
	}
	b, err := readBody(req)
	if err != nil {
		return nil, fmt.Errorf("reading the request body to sign it: %w", err)
	}
	r.GetBody = bytesBody(b)
	r.Body, _ = r.GetBody()
	r.ContentLength = int64(len(b))
	return r, nil
}

var digests = sync.Pool{New: func() any { return sha256.New() }}

// hashReader is the hex SHA-256 of what r holds. A bytes.Reader hands its
// slice straight to the hash (WriterTo): no copy.
func hashReader(r io.Reader) (string, error) {
	h := digests.Get().(hash.Hash)
	defer digests.Put(h)
	h.Reset()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])), nil
}
