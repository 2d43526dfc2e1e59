package s3archive

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Whatever a killed process left after its last whole record — a length
// with no bytes yet, bytes with no length, a record cut short — is not
// read as a record.
func TestReadOpenStopsAtATornRecord(t *testing.T) {
	torn := map[string][]byte{
		"length without its record": {0, 0, 0, 9, 0, 0, 0, 0},
		"record cut short":          append(binary.BigEndian.AppendUint32(nil, 9), 1, 2, 3, 4, '"', 'c'),
		"bytes without a length":    {0, 0, 0, 0, 0xde, 0xad, 'x', 'y'},
		"bytes not their CRC32's":   {0, 0, 0, 2, 0, 0, 0, 0, 'z', 'z'},
	}
	for name, tail := range torn {
		dir := t.TempDir()
		b, err := createBatch(dir, openHeader{Signal: "logs", Format: Format{Name: "x"}, Opened: time.Unix(0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{`"a"`, `"b"`} {
			if err := b.append([]byte(r)); err != nil {
				t.Fatal(err)
			}
		}
		b.close()
		path := filepath.Join(dir, b.id+openExt)
		g, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		g.Write(tail)
		g.Close()
		var got []string
		if _, err := readOpen(path, func(openHeader) error { return nil }, func(rec []byte) error {
			got = append(got, string(rec))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != `"a"` || got[1] != `"b"` {
			t.Errorf("%s: read %q, want the two whole records", name, got)
		}
	}
}

// Records of every size come back whole and in order: shorter than the
// reader's buffer, as long as it, and longer — and a long record cut short
// is not read.
func TestReadOpenReadsRecordsOfEverySize(t *testing.T) {
	sizes := []int{1, readBufferSize - recordOverhead, readBufferSize, readBufferSize + 1, 7, 3 * readBufferSize, 100}
	dir := t.TempDir()
	b, err := createBatch(dir, openHeader{Signal: "logs", Format: Format{Name: "x"}, Opened: time.Unix(0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for i, n := range sizes {
		rec := make([]byte, n)
		for j := range rec {
			rec[j] = byte(i*31 + j*7)
		}
		want = append(want, rec)
		if err := b.append(rec); err != nil {
			t.Fatal(err)
		}
	}
	b.close()
	path := filepath.Join(dir, b.id+openExt)
	g, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	g.Write(append(binary.BigEndian.AppendUint32(nil, 2*readBufferSize), make([]byte, 4+readBufferSize)...)) // torn
	g.Close()
	var got [][]byte
	if _, err := readOpen(path, func(openHeader) error { return nil }, func(rec []byte) error {
		got = append(got, bytes.Clone(rec))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("record %d (%d bytes) came back as %d other bytes", i, len(want[i]), len(got[i]))
		}
	}
}
