// Package riverfile reads a River configuration for the commands that look
// at one without running it (check, policy), with the refusals of the
// controller's load that do not need one: a file that does not parse, and
// two blocks of one component ID, which `run` refuses and check and policy
// would otherwise each read as one.
package riverfile

import (
	"fmt"
	"os"
	"strings"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun/riverdiag"
	"github.com/grafana/river/ast"
	"github.com/grafana/river/parser"
)

// Read parses the file at path; its errors name the file, line and column,
// and show no secret literal of it.
func Read(path string) (*ast.File, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(path, text)
	if err != nil {
		return nil, fmt.Errorf("%s", riverdiag.Redact(map[string][]byte{path: text}).Text(err.Error()))
	}
	seen := map[string]ast.Node{}
	for _, stmt := range f.Body {
		b, ok := stmt.(*ast.BlockStmt)
		if !ok || b.Label == "" {
			continue
		}
		id := strings.Join(b.Name, ".") + "." + b.Label
		if first, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s: block %s already declared at %s: a component ID is declared once (aws-agent run refuses this file)",
				ast.StartPos(b).Position(), id, ast.StartPos(first).Position())
		}
		seen[id] = b
	}
	return f, nil
}
