package s3archive

import (
	"compress/gzip"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Format is how a batch's records join into one object: Head, the
// records separated by Sep, then Tail. It is written into the spool with
// the batch, so that a batch is sealed as it was begun even when the
// configuration changed in between.
type Format struct {
	Name        string // the marshaler: otlp_json, otlp_proto, body
	ContentType string
	Ext         string // the key's extension before compression's: json, binpb, jsonl
	Head, Sep   []byte
	Tail        []byte
}

// Compression names.
const (
	None = "none"
	Gzip = "gzip"
	Zstd = "zstd"
)

// CheckCompression refuses a name Compress would not take.
func CheckCompression(c string) error {
	switch c {
	case None, Gzip, Zstd:
		return nil
	}
	return fmt.Errorf("%q is not one of none, gzip, zstd", c)
}

// contentEncoding is the Content-Encoding of c ("" for none), and ext
// what the key gains.
func contentEncoding(c string) (header, ext string) {
	switch c {
	case Gzip:
		return "gzip", ".gz"
	case Zstd:
		return "zstd", ".zst"
	}
	return "", ""
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// Encoders are reused: a zstd encoder allocates its window and tables
// (megabytes) when made, a gzip writer its tables; per object that was
// most of a small batch's CPU.
var (
	gzips = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	zstds = sync.Pool{New: func() any {
		z, _ := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1)) // fails only on bad options
		return z
	}}
)

// pooled closes its encoder and gives it back.
type pooled struct {
	io.WriteCloser
	put func()
}

func (p pooled) Close() error {
	err := p.WriteCloser.Close()
	p.put()
	return err
}

// compressor writes what it is given to w compressed with c; Close
// flushes it.
func compressor(c string, w io.Writer) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		z := gzips.Get().(*gzip.Writer)
		z.Reset(w)
		return pooled{z, func() { gzips.Put(z) }}, nil
	case Zstd:
		z := zstds.Get().(*zstd.Encoder)
		z.Reset(w)
		return pooled{z, func() { zstds.Put(z) }}, nil
	case None, "":
		return nopWriteCloser{w}, nil
	}
	return nil, CheckCompression(c)
}
