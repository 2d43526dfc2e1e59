package fakes3

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/sigv4verify"
)

// Object is a stored object.
type Object struct {
	Bucket, Key string
	Body        []byte
	Header      http.Header // as the PUT sent it
	Caller      sigv4verify.Caller
}

// Decoded is the object's body with its Content-Encoding (gzip, zstd or
// none) undone, as a reader of the archive would read it.
func (o Object) Decoded() ([]byte, error) {
	var r io.Reader = bytes.NewReader(o.Body)
	switch e := o.Header.Get("Content-Encoding"); e {
	case "gzip":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		r = z
	case "zstd":
		z, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		defer z.Close()
		r = z
	case "":
	default:
		return nil, fmt.Errorf("Content-Encoding %q", e)
	}
	return io.ReadAll(r)
}

// Server is a fake S3. Set Verifier and call AddBucket before use.
type Server struct {
	// Verifier checks each request; it should have S3Paths set and
	// Service "s3". Nil accepts unsigned requests (never in tests of a
	// signer).
	Verifier *sigv4verify.Verifier
	// MaxObjects is how many objects are kept (the oldest go first);
	// zero means 1024. Counts are kept regardless.
	MaxObjects int

	mu       sync.Mutex
	stalled  chan struct{}     // closed by Release; PUTs wait on it while set
	buckets  map[string]string // name -> owner account
	objects  []Object
	faults   []string // codes to answer with, one per PUT, in order
	down     string   // while set, the code every PUT is answered with
	puts     int
	stored   int   // objects stored, all time
	bytes    int64 // their bytes, all time
	rejected map[string]int
}

// AddBucket makes bucket exist, owned by account.
func (s *Server) AddBucket(name, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets == nil {
		s.buckets = map[string]string{}
	}
	s.buckets[name] = account
}

// Fail answers the next len(codes) PUTs, in order, with these S3 error
// codes instead of storing them: SlowDown, InternalError, ServiceUnavailable,
// ExpiredToken, AccessDenied, NoSuchBucket, or "hangup" (no answer).
func (s *Server) Fail(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, codes...)
}

// Down answers every PUT with code (SlowDown, ServiceUnavailable,
// InternalError…) until Up: an outage of any length.
func (s *Server) Down(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = code
}

// Up ends an outage.
func (s *Server) Up() { s.Down("") }

// Stall makes every PUT wait, unanswered, until Release or until its
// client goes: an upload in flight, for as long as a test needs one.
func (s *Server) Stall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stalled == nil {
		s.stalled = make(chan struct{})
	}
}

// Release lets stalled PUTs go on.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stalled != nil {
		close(s.stalled)
		s.stalled = nil
	}
}

// Objects is what is stored, in the order it was stored.
func (s *Server) Objects() []Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Object(nil), s.objects...)
}

// Rejected counts the refused requests by error code.
func (s *Server) Rejected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.rejected {
		out[k] = v
	}
	return out
}

// Stored counts the objects stored and their bytes since the start,
// beyond the MaxObjects kept.
func (s *Server) Stored() (objects int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored, s.bytes
}

// Puts counts the PUTs that reached the server, stored or not.
func (s *Server) Puts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts
}

var statusOf = map[string]int{
	"SlowDown": 503, "ServiceUnavailable": 503, "InternalError": 500, "ExpiredToken": 400,
	"AccessDenied": 403, "NoSuchBucket": 404, "BadDigest": 400, "InvalidDigest": 400,
	"MethodNotAllowed": 405, "AccessControlListNotSupported": 400, "MissingSecurityHeader": 400,
	"InvalidBucketName": 400, "InvalidRequest": 400,
}

var messageOf = map[string]string{
	"SlowDown":                      "Please reduce your request rate.",
	"ServiceUnavailable":            "Service is unable to handle request.",
	"InternalError":                 "We encountered an internal error. Please try again.",
	"ExpiredToken":                  "The provided token has expired.",
	"AccessDenied":                  "Access Denied",
	"NoSuchBucket":                  "The specified bucket does not exist",
	"BadDigest":                     "The Content-MD5 or checksum value that you specified did not match what the server received.",
	"InvalidDigest":                 "The Content-MD5 or checksum value that you specified is not valid.",
	"MethodNotAllowed":              "The specified method is not allowed against this resource.",
	"AccessControlListNotSupported": "The bucket does not allow ACLs",
	"MissingSecurityHeader":         "Your request is missing a required header: x-amz-content-sha256.",
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	bucket, key := s.address(r)
	code := s.check(r, body, bucket, key)
	s.mu.Lock()
	if r.Method == http.MethodPut {
		s.puts++
	}
	stalled := s.stalled
	s.mu.Unlock()
	if stalled != nil {
		select {
		case <-stalled:
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	if code == "" && len(s.faults) > 0 {
		code, s.faults = s.faults[0], s.faults[1:]
	}
	if code == "" && s.down != "" && r.Method == http.MethodPut {
		code = s.down
	}
	s.mu.Unlock()
	if code == "hangup" {
		sigv4verify.HangUp(w)
		return
	}
	if code != "" {
		s.refuse(w, code, messageOf[code], key)
		return
	}
	var caller sigv4verify.Caller
	if s.Verifier != nil {
		c, verr := s.Verifier.Verify(r, body)
		if verr != nil {
			s.refuse(w, verr.Code, verr.Message, key, verr.Status)
			return
		}
		caller = c
	}
	if code := s.checkBody(r, body); code != "" {
		s.refuse(w, code, messageOf[code], key)
		return
	}
	sum := md5.Sum(body)
	s.mu.Lock()
	s.objects = append(s.objects, Object{Bucket: bucket, Key: key, Body: body, Header: r.Header.Clone(), Caller: caller})
	s.stored++
	s.bytes += int64(len(body))
	max := s.MaxObjects
	if max <= 0 {
		max = 1024
	}
	if len(s.objects) > max {
		s.objects = s.objects[len(s.objects)-max:]
	}
	s.mu.Unlock()
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	if c := r.Header.Get("X-Amz-Checksum-Crc32"); c != "" {
		w.Header().Set("X-Amz-Checksum-Crc32", c)
	}
	w.WriteHeader(http.StatusOK)
}

// address reads the bucket from the host (BUCKET.s3.REGION.amazonaws.com,
// or any BUCKET.HOST whose BUCKET is known) or else from the path's
// first segment; the key is the rest of the path, decoded once.
func (s *Server) address(r *http.Request) (bucket, key string) {
	path, err := url.PathUnescape(strings.SplitN(r.RequestURI, "?", 2)[0])
	if err != nil {
		path = r.URL.Path
	}
	path = strings.TrimPrefix(path, "/")
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := strings.Index(host, ".s3."); i > 0 {
		return host[:i], path
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		if _, ok := s.buckets[host[:i]]; ok {
			return host[:i], path
		}
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// check is what S3 refuses before it reads the signature's worth.
func (s *Server) check(r *http.Request, body []byte, bucket, key string) string {
	s.mu.Lock()
	owner, exists := s.buckets[bucket]
	s.mu.Unlock()
	switch {
	case r.Method != http.MethodPut || key == "":
		return "MethodNotAllowed"
	case !exists:
		return "NoSuchBucket"
	case r.Header.Get("X-Amz-Content-Sha256") == "":
		return "MissingSecurityHeader"
	case r.Header.Get("X-Amz-Acl") != "":
		return "AccessControlListNotSupported"
	case r.Header.Get("X-Amz-Expected-Bucket-Owner") != "" && r.Header.Get("X-Amz-Expected-Bucket-Owner") != owner:
		return "AccessDenied"
	}
	return ""
}

// checkBody compares the checksums the request declared with the body.
func (s *Server) checkBody(r *http.Request, body []byte) string {
	if c := r.Header.Get("X-Amz-Checksum-Crc32"); c != "" {
		want := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body))
		if got, err := base64.StdEncoding.DecodeString(c); err != nil || len(got) != 4 {
			return "InvalidDigest"
		} else if string(got) != string(want) {
			return "BadDigest"
		}
	}
	if m := r.Header.Get("Content-MD5"); m != "" {
		sum := md5.Sum(body)
		if got, err := base64.StdEncoding.DecodeString(m); err != nil || len(got) != md5.Size {
			return "InvalidDigest"
		} else if string(got) != string(sum[:]) {
			return "BadDigest"
		}
	}
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		if h != hex.EncodeToString(sum[:]) {
			return "XAmzContentSHA256Mismatch"
		}
	}
	return ""
}

// refuse answers with S3's error document.
func (s *Server) refuse(w http.ResponseWriter, code, message, key string, status ...int) {
	s.mu.Lock()
	if s.rejected == nil {
		s.rejected = map[string]int{}
	}
	s.rejected[code]++
	s.mu.Unlock()
	var st int
	if len(status) > 0 {
		st = status[0]
	}
	status = nil
	if st == 0 {
		st = statusOf[code]
	}
	if st == 0 {
		st = http.StatusForbidden
		if code == "XAmzContentSHA256Mismatch" {
			st = http.StatusBadRequest
		}
	}
	id := sigv4verify.RequestID()
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", id)
	w.WriteHeader(st)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		Key       string   `xml:"Key,omitempty"`
		RequestID string   `xml:"RequestId"`
		HostID    string   `xml:"HostId"`
	}{Code: code, Message: message, Key: key, RequestID: id, HostID: base64.StdEncoding.EncodeToString([]byte(id))})
}
