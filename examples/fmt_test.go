package examples

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/river/parser"
	"github.com/grafana/river/printer"
)

// Every example is as `aws-agent fmt` (River's own printer) writes it: a
// user who copies one and runs fmt sees no diff.
func TestExamplesAreFmtClean(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".river") {
			return err
		}
		n++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(path, src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		var buf bytes.Buffer
		if err := printer.Fprint(&buf, f); err != nil {
			return err
		}
		buf.WriteByte('\n')
		if !bytes.Equal(buf.Bytes(), src) {
			t.Errorf("%s is not fmt-clean: run aws-agent fmt -w %s", path, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("%d examples found", n)
	}
}
