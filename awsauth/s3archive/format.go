package s3archive

import (
	"compress/gzip"
	"fmt"
	"io"

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

// CheckCompression refuses a name the archive does not compress with.
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

// encoders are an archive's compressors, reused from one object to the
// next: a zstd encoder allocates its window and tables (megabytes) when
// made, a gzip writer its tables; made per object, they cost more CPU
// than a small batch's compression. An archive seals one batch at a time
// (sealMu), so one of each is enough.
type encoders struct {
	gzip *gzip.Writer
	zstd *zstd.Encoder
}

// compressor writes what it is given to w compressed with c; Close
// flushes it.
func (e *encoders) compressor(c string, w io.Writer) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		if e.gzip == nil {
			e.gzip = gzip.NewWriter(w)
		} else {
			e.gzip.Reset(w)
		}
		return e.gzip, nil
	case Zstd:
		if e.zstd == nil {
			z, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
			if err != nil {
				return nil, err
			}
			e.zstd = z
		} else {
			e.zstd.Reset(w)
		}
		return e.zstd, nil
	case None, "":
		return nopWriteCloser{w}, nil
	}
	return nil, CheckCompression(c)
}
