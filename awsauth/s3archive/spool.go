package s3archive

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The spool is one directory:
//
//	ID.open     a batch being filled: a header, then length-prefixed records
//	ID.obj      a sealed batch: the object's body, its metadata, a trailer
//	ID.obj.tmp  a seal in progress, removed when found at start
//	ID.bad      an .open or .obj file that could not be read, kept for a person
//
// ID is the batch's opening time (16 hex digits of Unix nanoseconds, so
// that names sort by age) and its signal.
const (
	openExt = ".open"
	objExt  = ".obj"
	tmpExt  = ".obj.tmp"
	badExt  = ".bad"
)

// ErrSpoolFull is Append's answer when the record would take the spool
// past its limit.
var ErrSpoolFull = errors.New("the spool is full")

// openHeader begins each .open file.
type openHeader struct {
	Signal      string    `json:"signal"`
	Format      Format    `json:"format"`
	Compression string    `json:"compression"`
	Opened      time.Time `json:"opened"`
}

const openMagic = "S3A1"

// batch is an open batch.
type batch struct {
	id          string
	f           *os.File
	buf         []byte // reused: a record's head and bytes, for its one write
	header      openHeader
	headerBytes int64 // what the header takes on disk
	bytes       int64 // of records, without the header
}

func batchID(opened time.Time, signal string) string {
	return fmt.Sprintf("%016x-%s", opened.UnixNano(), signal)
}

// createBatch writes a new .open file with its header.
func createBatch(dir string, h openHeader) (*batch, error) {
	id := batchID(h.Opened, h.Signal)
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, id+openExt), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	header := append([]byte(openMagic), binary.BigEndian.AppendUint32(nil, uint32(len(hb)))...)
	header = append(header, hb...)
	if _, err := f.Write(header); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &batch{id: id, f: f, header: h, headerBytes: int64(len(header))}, nil
}

// append writes rec with its head in one write(2). Its cost is a system
// call per record (a Loki line through otelcol.receiver.loki is a record
// of its own).
func (b *batch) append(rec []byte) error {
	head := recordHead(rec)
	b.buf = append(append(b.buf[:0], head[:]...), rec...)
	_, err := b.f.Write(b.buf)
	if cap(b.buf) > 1<<20 {
		b.buf = nil // one large record does not stay in memory
	}
	if err != nil {
		return err
	}
	b.bytes += recordOverhead + int64(len(rec))
	return nil
}

// close stops writing to the batch; its file ends at its last record.
func (b *batch) close() error { return b.f.Close() }

// readOpen reads an .open file's header, gives it to begin, and calls
// each with its records in order. The records end at the file's end, a
// zero length, or a record whose length runs past the file or whose CRC32
// does not match: one the process was writing when it stopped, before
// Append returned, so nobody was told it was kept.
func readOpen(path string, begin func(openHeader) error, each func(rec []byte) error) (openHeader, error) {
	var h openHeader
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	var pre [8]byte
	if _, err := io.ReadFull(f, pre[:]); err != nil || string(pre[:4]) != openMagic {
		return h, fmt.Errorf("%s: not a spool batch (bad header)", filepath.Base(path))
	}
	hb := make([]byte, binary.BigEndian.Uint32(pre[4:]))
	if _, err := io.ReadFull(f, hb); err != nil {
		return h, fmt.Errorf("%s: short header", filepath.Base(path))
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return h, fmt.Errorf("%s: bad header: %w", filepath.Base(path), err)
	}
	if err := begin(h); err != nil {
		return h, err
	}
	r := bufio.NewReaderSize(f, readBufferSize)
	var rec []byte
	for {
		var head [recordOverhead]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return h, nil // the end, or a torn length
		}
		size := binary.BigEndian.Uint32(head[:4])
		if size == 0 {
			return h, nil
		}
		if cap(rec) < int(size) {
			rec = make([]byte, size)
		}
		rec = rec[:size]
		if _, err := io.ReadFull(r, rec); err != nil || crc32.ChecksumIEEE(rec) != binary.BigEndian.Uint32(head[4:]) {
			return h, nil // a torn record
		}
		if err := each(rec); err != nil {
			return h, err
		}
	}
}

// readBufferSize is what readOpen reads a batch through.
const readBufferSize = 256 << 10

// listed is the spool's files of one kind, oldest first.
func listed(dir, ext string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ext); ok && !e.IsDir() && !strings.Contains(id, ".") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// diskSize is the bytes the spool's files take.
func diskSize(dir string) (int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n, nil
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
