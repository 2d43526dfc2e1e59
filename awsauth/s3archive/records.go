package s3archive

import (
	"encoding/binary"
	"hash/crc32"
	"os"
)

// A record on disk is its length (uint32, big-endian), the CRC32 (IEEE)
// of its bytes, then its bytes: the CRC32 tells a whole record from one a
// killed process left half-written.
//
// Each record is one write(2), with no buffering in the process: once
// Append returns, the record is in the kernel's page cache, which a
// killed process cannot take with it. (A shared mmap of preallocated room
// saved about a sixth of Append's CPU on 1 KiB records, but a store into
// room a copy-on-write file system cannot back is a SIGBUS, not an error:
// a full disk would have crashed the agent.)
const recordOverhead = 8

// recordWriter appends records to an .open file.
type recordWriter interface {
	append(rec []byte) error
	// close ends the file at its last record and closes it.
	close() error
}

func recordHead(rec []byte) [recordOverhead]byte {
	var h [recordOverhead]byte
	binary.BigEndian.PutUint32(h[:4], uint32(len(rec)))
	binary.BigEndian.PutUint32(h[4:], crc32.ChecksumIEEE(rec))
	return h
}

// recordsWrite writes each record with one write(2). Its cost is a system
// call per record (a Loki line through otelcol.receiver.loki is a record
// of its own).
type recordsWrite struct {
	f   *os.File
	buf []byte // reused: a record's head and bytes, for its one write
}

func newRecordWriter(f *os.File, header []byte) (recordWriter, error) {
	if _, err := f.Write(header); err != nil {
		return nil, err
	}
	return &recordsWrite{f: f}, nil
}

func (w *recordsWrite) append(rec []byte) error {
	head := recordHead(rec)
	w.buf = append(append(w.buf[:0], head[:]...), rec...)
	_, err := w.f.Write(w.buf)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // one large record does not stay in memory
	}
	return err
}

func (w *recordsWrite) close() error { return w.f.Close() }
