// Package riverdiag prints what is wrong with a River configuration without
// the secrets written in it. River's diagnostic printer shows the source
// lines around an error, literals included: an error in an aws.auth block
// would print its secret_access_key, to a terminal or, on a reload, into
// the agent's log and its pipeline.
//
// A secret here is the literal value of an attribute whose Go type is (or
// holds) River's Secret or OptionalSecret, in any registered component's
// arguments or any service's block — found by name, so it works on a file
// that does not parse, and for a block whose name is misspelt — and any
// run of characters shaped like an AWS secret (package redact).
package riverdiag

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/redact"
	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
	"github.com/grafana/agent/component"
	httpservice "github.com/grafana/agent/service/http"
	"github.com/grafana/river/diag"
	"github.com/grafana/river/rivertypes"
	"github.com/grafana/river/scanner"
	"github.com/grafana/river/token"
)

// marker stands where a secret literal was, as the UI shows secrets.
const marker = `"(secret)"`

// Redacted is a set of River files with every secret literal replaced,
// and the literals, to redact error texts with.
type Redacted struct {
	Files   map[string][]byte
	secrets []string
}

// Redact returns files with their secret literals replaced by "(secret)".
func Redact(files map[string][]byte) Redacted {
	names := secretNames()
	r := Redacted{Files: make(map[string][]byte, len(files))}
	for name, src := range files {
		out, found := redactFile(name, src, names)
		r.Files[name] = []byte(redact.Text(string(out), found...))
		r.secrets = append(r.secrets, found...)
	}
	return r
}

// Text is s without the secrets of the files, nor any AWS-shaped secret.
func (r Redacted) Text(s string) string { return redact.Text(s, r.secrets...) }

// Fprint prints River diagnostics in err to w, with their source lines,
// redacted, and reports whether it printed any. It returns the one-line
// text of err, redacted, for logs and HTTP answers (and to print when it
// printed nothing).
func (r Redacted) Fprint(w io.Writer, err error) (text string, printed bool) {
	text = r.Text(err.Error())
	var diags diag.Diagnostics
	if !errors.As(err, &diags) {
		return text, false
	}
	diags = r.atFields(diags)
	text = r.Text(diags.Error())
	var buf bytes.Buffer
	if diag.NewPrinter(diag.PrinterConfig{ContextLinesBefore: 1, ContextLinesAfter: 1}).Fprint(&buf, r.Files, diags) != nil {
		return text, false
	}
	_, _ = io.WriteString(w, r.Text(buf.String()))
	return text, true
}

// redactFile replaces the value of each attribute named in names: every
// string literal from the `=` to the end of the attribute's expression.
func redactFile(name string, src []byte, names map[string]bool) ([]byte, []string) {
	type span struct{ from, to int }
	var spans []span
	var found []string
	s := scanner.New(token.NewFile(name), src, nil, scanner.IncludeComments)
	prevIdent := ""
	inSecret, depth := false, 0
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		switch {
		case inSecret && tok == token.STRING:
			spans = append(spans, span{pos.Offset(), pos.Offset() + len(lit)})
			if v := unquote(lit); v != "" {
				found = append(found, v)
			}
		case inSecret && (tok == token.LCURLY || tok == token.LBRACK || tok == token.LPAREN):
			depth++
		case inSecret && (tok == token.RCURLY || tok == token.RBRACK || tok == token.RPAREN):
			if depth == 0 {
				inSecret = false
			} else {
				depth--
			}
		case inSecret && depth == 0 && (tok == token.TERMINATOR || tok == token.COMMA):
			inSecret = false
		case !inSecret && tok == token.ASSIGN && names[prevIdent]:
			inSecret, depth = true, 0
		}
		if tok == token.IDENT {
			prevIdent = lit
		} else if tok != token.ASSIGN {
			prevIdent = ""
		}
	}
	if len(spans) == 0 {
		return src, nil
	}
	var out bytes.Buffer
	last := 0
	for _, sp := range spans {
		out.Write(src[last:sp.from])
		out.WriteString(marker)
		last = sp.to
	}
	out.Write(src[last:])
	return out.Bytes(), found
}

// unquote is a string literal's content, as written (escapes kept: the
// same bytes an error would quote).
func unquote(lit string) string {
	if len(lit) >= 2 {
		return lit[1 : len(lit)-1]
	}
	return ""
}

var (
	namesOnce sync.Once
	names     []string
)

// secretNames are the attribute names whose type holds a secret, in every
// registered component's arguments and in the services' blocks the agent
// runs (the http block's TLS key).
func secretNames() map[string]bool {
	namesOnce.Do(func() {
		seen := map[string]bool{}
		visited := map[reflect.Type]bool{}
		// aws.auth's own, and the http block's TLS, in a binary that
		// registers no component too.
		collect(reflect.TypeOf(awsriver.Arguments{}), visited, seen)
		collect(reflect.TypeOf(httpservice.Arguments{}), visited, seen)
		for _, n := range component.AllNames() {
			if reg, ok := component.Get(n); ok && reg.Args != nil {
				collect(reflect.TypeOf(reg.Args), visited, seen)
			}
		}
		for n := range seen {
			names = append(names, n)
		}
		sort.Strings(names)
	})
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}

var (
	secretType         = reflect.TypeOf(rivertypes.Secret(""))
	optionalSecretType = reflect.TypeOf(rivertypes.OptionalSecret{})
)

// collect adds to names the River names of t's fields that hold a secret,
// and walks its blocks.
func collect(t reflect.Type, visited map[reflect.Type]bool, names map[string]bool) {
	t = elem(t)
	if t.Kind() != reflect.Struct || visited[t] {
		return
	}
	visited[t] = true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("river"), ",")
		if tag[0] == "" {
			if f.Anonymous || len(tag) > 1 && tag[1] == "squash" {
				collect(f.Type, visited, names)
			}
			continue
		}
		if holdsSecret(f.Type) {
			names[tag[0]] = true
		}
		collect(f.Type, visited, names)
	}
}

// holdsSecret: a Secret or OptionalSecret, or a pointer, slice, array or
// map of them.
func holdsSecret(t reflect.Type) bool {
	t = elem(t)
	return t == secretType || t == optionalSecretType
}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}
