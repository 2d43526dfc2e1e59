package s3archive

import (
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
	writers := map[string]func(*os.File, []byte) (recordWriter, error){"write": newRecordWriter}
	torn := map[string][]byte{
		"length without its record": {0, 0, 0, 9, 0, 0, 0, 0},
		"record cut short":          append(binary.BigEndian.AppendUint32(nil, 9), 1, 2, 3, 4, '"', 'c'),
		"bytes without a length":    {0, 0, 0, 0, 0xde, 0xad, 'x', 'y'},
		"bytes not their CRC32's":   {0, 0, 0, 2, 0, 0, 0, 0, 'z', 'z'},
	}
	for wname, newWriter := range writers {
		for tname, tail := range torn {
			dir := t.TempDir()
			h := openHeader{Signal: "logs", Format: Format{Name: "x"}, Opened: time.Unix(0, 1)}
			b, err := createBatch(dir, h)
			if err != nil {
				t.Fatal(err)
			}
			b.w.close() // replaced by the writer under test
			path := filepath.Join(dir, b.id+openExt)
			f, _ := os.OpenFile(path, os.O_RDWR|os.O_TRUNC, 0)
			header := []byte(openMagic)
			js := []byte(`{"signal":"logs","format":{"Name":"x"},"compression":"","opened":"1970-01-01T00:00:00.000000001Z"}`)
			header = append(binary.BigEndian.AppendUint32(header, uint32(len(js))), js...)
			w, err := newWriter(f, header)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []string{`"a"`, `"b"`} {
				if err := w.append([]byte(r)); err != nil {
					t.Fatal(err)
				}
			}
			w.close()
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
				t.Errorf("%s, %s: read %q, want the two whole records", wname, tname, got)
			}
		}
	}
}
