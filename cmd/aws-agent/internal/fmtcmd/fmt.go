// Package fmtcmd is `aws-agent fmt`: River formatting with the River
// module's own parser and printer, as the upstream agent's `fmt`.
package fmtcmd

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun/riverdiag"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/exitstatus"
	"github.com/flow-aws-auth/flow-aws-auth/cmd/aws-agent/internal/flagset"
	"github.com/grafana/river/parser"
	"github.com/grafana/river/printer"
)

// Run is `aws-agent fmt [-w] FILE`; FILE "-" reads standard input.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	write := fs.Bool("w", false, "write the result to the file instead of standard output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: aws-agent fmt [-w] FILE.river   (FILE \"-\": standard input)")
		fs.PrintDefaults()
	}
	files, err := flagset.Parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("fmt takes one file: aws-agent fmt [-w] FILE.river")
	}
	name := files[0]
	if name == "-" {
		if *write {
			return errors.New("fmt: -w cannot write to standard input")
		}
		src, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		return format("<stdin>", src, stdout, stderr)
	}
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("fmt: %s is a directory", name)
	}
	src, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	if !*write {
		return format(name, src, stdout, stderr)
	}
	var out bytes.Buffer
	if err := format(name, src, &out, stderr); err != nil {
		return err
	}
	if bytes.Equal(out.Bytes(), src) {
		return nil
	}
	return os.WriteFile(name, out.Bytes(), info.Mode().Perm())
}

// format prints src formatted, ending in a newline; a syntax error names
// the file, line and column, and shows the lines around it on stderr with
// secret literals as "(secret)".
func format(name string, src []byte, w, stderr io.Writer) error {
	f, err := parser.ParseFile(name, src)
	if err != nil {
		text, printed := riverdiag.Redact(map[string][]byte{name: src}).Fprint(stderr, err)
		if printed {
			return exitstatus.New(1, text)
		}
		return errors.New(text)
	}
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, f); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}
