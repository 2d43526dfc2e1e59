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
