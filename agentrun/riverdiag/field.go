package riverdiag

import (
	"strings"

	"github.com/grafana/river/ast"
	"github.com/grafana/river/diag"
	"github.com/grafana/river/parser"
)

// atFields moves each diagnostic that the controller places on a whole
// block ("Failed to build component: decoding River: role_arn: …", at the
// block's first line) to the argument it names, when the block has it:
// the printer then shows that line, not the block's 1:1. Names nested in
// blocks ("gateway: client_hosts: …") are followed into them.
func (r Redacted) atFields(diags diag.Diagnostics) diag.Diagnostics {
	out := make(diag.Diagnostics, len(diags))
	parsed := map[string]*ast.File{}
	for i, d := range diags {
		out[i] = d
		_, rest, ok := strings.Cut(d.Message, "decoding River: ")
		if !ok {
			continue
		}
		name := d.StartPos.Filename
		f, seen := parsed[name]
		if !seen {
			f, _ = parser.ParseFile(name, r.Files[name])
			parsed[name] = f
		}
		if f == nil {
			continue
		}
		block := blockAt(f.Body, d.StartPos.Line, d.StartPos.Column)
		if block == nil {
			continue
		}
		if node := namedIn(block.Body, strings.Split(rest, ": ")); node != nil {
			out[i].StartPos, out[i].EndPos = ast.StartPos(node).Position(), ast.EndPos(node).Position()
		}
	}
	return out
}

// blockAt is the top-level block that starts at line and column (not at
// an offset: the files are redacted, so offsets after a secret moved,
// lines did not).
func blockAt(body ast.Body, line, column int) *ast.BlockStmt {
	for _, stmt := range body {
		if b, ok := stmt.(*ast.BlockStmt); ok {
			if p := ast.StartPos(b).Position(); p.Line == line && p.Column == column {
				return b
			}
		}
	}
	return nil
}

// namedIn follows path (argument and block names, as an error names them)
// into body, and returns the deepest statement it reaches; nil when the
// first name is none of body's.
func namedIn(body ast.Body, path []string) ast.Node {
	var found ast.Node
	for _, name := range path {
		var next ast.Body
		matched := false
		for _, stmt := range body {
			switch s := stmt.(type) {
			case *ast.AttributeStmt:
				if s.Name.Name == name {
					found, matched = s, true
				}
			case *ast.BlockStmt:
				if strings.Join(s.Name, ".") == name {
					found, next, matched = s, s.Body, true
				}
			}
			if matched {
				break
			}
		}
		if !matched || next == nil {
			return found
		}
		body = next
	}
	return found
}
