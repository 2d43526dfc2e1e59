package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The reference's error-class table is the classes package classify
// defines and the AWS codes its Code maps to each, read from the source
// (not by calling it): alerts written from the docs match what runs. (The
// table once listed AWS's codes where the values are no_credentials, …)
func TestErrorClassesAreTheCode(t *testing.T) {
	classes, codes := classifySource(t)
	doc, err := os.ReadFile("reference/aws.auth.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^`([a-z_]+)` \\| ([^|]+) \\| ")
	rows := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = m[2]
	}
	for name, value := range classes {
		if value == "" {
			continue // None: no error
		}
		cell, ok := rows[value]
		if !ok {
			t.Errorf("class %s (%q) has no row in the reference's error classes", name, value)
			continue
		}
		for _, code := range codes[name] {
			if !strings.Contains(cell, "`"+code+"`") {
				t.Errorf("class %q: the reference does not list %s, which classify maps to it", value, code)
			}
		}
	}
	if len(classes) < 8 {
		t.Fatalf("read %d classes from classify.go: the parser missed them", len(classes))
	}
}

// classifySource reads classify.go: the Class constants (name -> value)
// and, from Code's switch, the AWS codes each case returns.
func classifySource(t *testing.T) (map[string]string, map[string][]string) {
	f, err := parser.ParseFile(token.NewFileSet(), "../awsauth/classify/classify.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	classes, codes := map[string]string{}, map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			if id, ok := n.Type.(*ast.Ident); ok && id.Name == "Class" && len(n.Values) == 1 {
				if lit, ok := n.Values[0].(*ast.BasicLit); ok {
					v, _ := strconv.Unquote(lit.Value)
					classes[n.Names[0].Name] = v
				}
			}
		case *ast.FuncDecl:
			if n.Name.Name != "Code" {
				return false
			}
			ast.Inspect(n.Body, func(m ast.Node) bool {
				cc, ok := m.(*ast.CaseClause)
				if !ok || len(cc.Body) != 1 {
					return true
				}
				ret, ok := cc.Body[0].(*ast.ReturnStmt)
				if !ok || len(ret.Results) != 1 {
					return true
				}
				class, ok := ret.Results[0].(*ast.Ident)
				if !ok {
					return true
				}
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok {
						v, _ := strconv.Unquote(lit.Value)
						if v != "" {
							codes[class.Name] = append(codes[class.Name], v)
						}
					}
				}
				return true
			})
			return false
		}
		return true
	})
	return classes, codes
}
