package bulk

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// BenchmarkBulk is the cost per MiB of reading a _bulk body through Check
// (ns/op per MiB, MB/s), against reading it as the gateway did before: as
// is. The body is a log exporter's: a short action line, then a ~300-byte
// document, 4096 times.
func BenchmarkBulk(b *testing.B) {
	var body bytes.Buffer
	doc := `{"@timestamp":"2026-12-04T16:00:00Z","severity":"info","service":"checkout","msg":"` + strings.Repeat("x", 220) + `"}`
	for body.Len() < 1<<20 {
		body.WriteString(`{"create":{"_index":"logs"}}` + "\n" + doc + "\n")
	}
	buf := make([]byte, 32<<10)
	for _, c := range []struct {
		name string
		wrap func(io.ReadCloser) io.ReadCloser
	}{
		{"as_is", func(r io.ReadCloser) io.ReadCloser { return r }},
		{"checked", func(r io.ReadCloser) io.ReadCloser { return Check(r, "logs", int64(body.Len())) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(body.Len()))
			b.ReportAllocs()
			for range b.N {
				r := c.wrap(io.NopCloser(bytes.NewReader(body.Bytes())))
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
