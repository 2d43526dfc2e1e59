package s3archive

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Object is a sealed batch: the body to PUT and what the request says
// about it. Its file holds the body, then this metadata as JSON, then the
// metadata's length and objMagic.
type Object struct {
	ID              string    `json:"-"`
	Key             string    `json:"key"`
	Signal          string    `json:"signal"`
	ContentType     string    `json:"content_type"`
	ContentEncoding string    `json:"content_encoding,omitempty"`
	SHA256          string    `json:"sha256"` // hex, for X-Amz-Content-Sha256
	CRC32           string    `json:"crc32"`  // base64, for X-Amz-Checksum-Crc32
	Size            int64     `json:"size"`
	Records         int       `json:"records"`
	Opened          time.Time `json:"opened"`

	path      string
	fileBytes int64 // the whole .obj file, metadata included
}

const objMagic = "S3O1"

// Body opens the object's body for reading; each call is a new reader,
// as http.Request.GetBody needs.
func (o *Object) Body() (io.ReadCloser, error) {
	f, err := os.Open(o.path)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, 0, o.Size), f}, nil
}

// seal turns the .open file of id into its .obj file: the records joined
// by the batch's format, compressed, hashed, under a key chosen now and
// kept with the body, so that a retried upload uses the same key. The
// .open file is removed after the .obj is durable: a process stopped in
// between finds both and removes the .open. A batch with no whole record
// is removed and gives no object (nil, nil).
func seal(dir, id string, layout Layout, enc *encoders) (*Object, error) {
	tmp := filepath.Join(dir, id+tmpExt)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer func() {
		if f != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	sum, crc := sha256.New(), crc32.NewIEEE()
	counted := &countingWriter{w: io.MultiWriter(f, sum, crc)}
	out := bufio.NewWriterSize(counted, 256<<10)
	var (
		z       io.WriteCloser
		records int
		h       openHeader
	)
	_, err = readOpen(filepath.Join(dir, id+openExt), func(begun openHeader) error {
		h = begun
		z, err = enc.compressor(h.Compression, out)
		if err == nil {
			_, err = z.Write(h.Format.Head)
		}
		return err
	}, func(rec []byte) error {
		if records > 0 {
			if _, err := z.Write(h.Format.Sep); err != nil {
				return err
			}
		}
		records++
		_, err := z.Write(rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	if records == 0 { // nothing was kept: no object
		return nil, os.Remove(filepath.Join(dir, id+openExt))
	}
	if _, err := z.Write(h.Format.Tail); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	if err := out.Flush(); err != nil {
		return nil, err
	}
	encoding, ext := contentEncoding(h.Compression)
	o := &Object{
		ID:              id,
		Key:             layout.Key(h.Opened, h.Signal, randomSuffix(), h.Format.Ext+ext),
		Signal:          h.Signal,
		ContentType:     h.Format.ContentType,
		ContentEncoding: encoding,
		SHA256:          hex.EncodeToString(sum.Sum(nil)),
		CRC32:           base64.StdEncoding.EncodeToString(crc.Sum(nil)),
		Size:            counted.n,
		Records:         records,
		Opened:          h.Opened,
		path:            filepath.Join(dir, id+objExt),
	}
	meta, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	o.fileBytes = o.Size + int64(len(meta)) + 8
	trailer := binary.BigEndian.AppendUint32(meta, uint32(len(meta)))
	if _, err := f.Write(append(trailer, objMagic...)); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	f = nil
	if err := os.Rename(tmp, o.path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	syncDir(dir)
	if err := os.Remove(filepath.Join(dir, id+openExt)); err != nil {
		return nil, err
	}
	return o, nil
}

// readObject reads the metadata of the .obj file of id.
func readObject(dir, id string) (*Object, error) {
	path := filepath.Join(dir, id+objExt)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var tail [8]byte
	if info.Size() < 8 {
		return nil, fmt.Errorf("%s: too short to be a sealed batch", filepath.Base(path))
	}
	if _, err := f.ReadAt(tail[:], info.Size()-8); err != nil || string(tail[4:]) != objMagic {
		return nil, fmt.Errorf("%s: not a sealed batch (bad trailer)", filepath.Base(path))
	}
	n := int64(binary.BigEndian.Uint32(tail[:4]))
	if n > info.Size()-8 {
		return nil, fmt.Errorf("%s: bad trailer length", filepath.Base(path))
	}
	meta := make([]byte, n)
	if _, err := f.ReadAt(meta, info.Size()-8-n); err != nil {
		return nil, err
	}
	o := &Object{ID: id, path: path, fileBytes: info.Size()}
	if err := json.Unmarshal(meta, o); err != nil {
		return nil, fmt.Errorf("%s: bad metadata: %w", filepath.Base(path), err)
	}
	if o.Size != info.Size()-8-n {
		return nil, fmt.Errorf("%s: body is %d bytes, metadata says %d", filepath.Base(path), info.Size()-8-n, o.Size)
	}
	return o, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
