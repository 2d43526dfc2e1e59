package auth

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/river/parser"
	"github.com/grafana/river/rivertypes"
	"github.com/grafana/river/vm"

	awsriver "github.com/flow-aws-auth/flow-aws-auth/river"
)

const referencePage = "../../../docs/reference/aws.auth.md"

// The reference page's tables are the code's: every argument and block
// with its River type, literal default and required flag, the exported
// fields and the debug information, nothing more and nothing less.
func TestReferenceIsTheCode(t *testing.T) {
	doc := readDoc(t, referencePage)

	var defaults awsriver.Arguments
	defaults.SetToDefault()
	blocks := map[string]bool{} // path: optional
	attrs := map[string][]attr{}
	walkBlock(reflect.ValueOf(defaults), "", blocks, attrs)
	if len(attrs[""]) < 20 || len(blocks) < 4 {
		t.Fatalf("the walk of Arguments found %d arguments and %d blocks", len(attrs[""]), len(blocks))
	}

	checkAttrs(t, "Arguments", docTable(t, doc, "## Arguments"), attrs[""])

	var hierarchy []string
	for _, row := range docTable(t, doc, "## Blocks") {
		path := strings.ReplaceAll(row[0], " > ", ">")
		hierarchy = append(hierarchy, path)
		optional, ok := blocks[path]
		if !ok {
			t.Errorf("the Blocks table names %q, which Arguments does not have", row[0])
			continue
		}
		if want := requiredText(!optional); len(row) != 4 || row[3] != want {
			t.Errorf("block %s: Required %q, want %q", row[0], row[3], want)
		}
		name := path[strings.LastIndex(path, ">")+1:]
		checkAttrs(t, name+" block", docTable(t, doc, "### "+name+" block"), attrs[path])
	}
	for path := range blocks {
		if !slices.Contains(hierarchy, path) {
			t.Errorf("block %s is not in the Blocks table", path)
		}
	}

	checkNames(t, "Exported fields", docTable(t, doc, "## Exported fields"), riverNames(reflect.TypeOf(Exports{})))
	checkNames(t, "Debug information", docTable(t, doc, "## Debug information"), riverNames(reflect.TypeOf(DebugInfo{})))
}

// attr is one River attribute of a block: its name, Go value after
// SetToDefault, and whether it may be left out.
type attr struct {
	name     string
	value    reflect.Value
	optional bool
}

// walkBlock collects the attributes of the block v at path (blocks nested
// as "a>b"), with squashed structs flattened into their parent as River
// does, and whether each block is optional.
func walkBlock(v reflect.Value, path string, blocks map[string]bool, attrs map[string][]attr) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v = reflect.New(v.Type().Elem())
			if d, ok := v.Interface().(interface{ SetToDefault() }); ok {
				d.SetToDefault()
			}
		}
		v = v.Elem()
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		tag, ok := f.Tag.Lookup("river")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		switch {
		case slices.Contains(parts, "squash"):
			walkBlock(v.Field(i), path, blocks, attrs)
		case slices.Contains(parts, "block"):
			sub := parts[0]
			if path != "" {
				sub = path + ">" + sub
			}
			blocks[sub] = slices.Contains(parts, "optional")
			walkBlock(v.Field(i), sub, blocks, attrs)
		default:
			attrs[path] = append(attrs[path], attr{parts[0], v.Field(i), slices.Contains(parts, "optional")})
		}
	}
}

// checkAttrs holds a Name | Type | Description | Default | Required table
// to a block's attributes.
func checkAttrs(t *testing.T, table string, rows [][]string, want []attr) {
	t.Helper()
	byName := map[string]attr{}
	for _, a := range want {
		byName[a.name] = a
	}
	documented := map[string]bool{}
	for _, row := range rows {
		if len(row) != 5 {
			t.Errorf("%s: row %q has %d cells, want 5", table, row, len(row))
			continue
		}
		name := strings.Trim(row[0], "`")
		documented[name] = true
		a, ok := byName[name]
		if !ok {
			t.Errorf("%s names %s, which the code does not have", table, name)
			continue
		}
		if typ := "`" + riverType(a.value.Type()) + "`"; row[1] != typ {
			t.Errorf("%s: %s has type %s, the code %s", table, name, row[1], typ)
		}
		if want := requiredText(!a.optional); row[4] != want {
			t.Errorf("%s: %s Required %q, the code %q", table, name, row[4], want)
		}
		if msg := checkDefault(row[3], a.value); msg != "" {
			t.Errorf("%s: %s: %s", table, name, msg)
		}
	}
	for name := range byName {
		if !documented[name] {
			t.Errorf("%s lacks %s", table, name)
		}
	}
}

// checkDefault holds a Default cell to the value SetToDefault leaves: a
// cell that begins with a River literal must decode to that value; a cell
// of prose (an environment variable, another argument) describes where a
// zero value is filled in at run time, so the value must be zero.
func checkDefault(cell string, value reflect.Value) string {
	isLiteral := false
	if strings.HasPrefix(cell, "`") {
		lit, _, _ := strings.Cut(cell[1:], "`")
		if expr, err := parser.ParseExpression(lit); err == nil {
			decoded := reflect.New(value.Type())
			if vm.New(expr).Evaluate(nil, decoded.Interface()) == nil {
				isLiteral = true
				if !equalValues(decoded.Elem(), value) {
					return "documented default " + lit + " is not the code's " + showValue(value)
				}
			}
		}
	}
	if !isLiteral && !value.IsZero() {
		return "the code's default " + showValue(value) + " is not written as a River literal (" + cell + ")"
	}
	return ""
}

// equalValues compares decoded and default values, an empty list equal to
// none.
func equalValues(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func showValue(v reflect.Value) string {
	if d, ok := v.Interface().(time.Duration); ok {
		return d.String()
	}
	return fmt.Sprint(v.Interface())
}

// riverType names a Go type as River's documentation does.
func riverType(t reflect.Type) string {
	switch t {
	case reflect.TypeOf(rivertypes.Secret("")):
		return "secret"
	case reflect.TypeOf(time.Duration(0)):
		return "duration"
	}
	// max_body_size ("32MiB"), and URL and TLSVersion of the agent's
	// common config, decode from text.
	if reflect.PointerTo(t).Implements(reflect.TypeOf((*interface{ UnmarshalText([]byte) error })(nil)).Elem()) {
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Map:
		return "map(" + riverType(t.Elem()) + ")"
	case reflect.Slice:
		return "list(" + riverType(t.Elem()) + ")"
	}
	return t.String()
}

func requiredText(required bool) string {
	if required {
		return "yes"
	}
	return "no"
}

// riverNames lists the River names of a struct's fields.
func riverNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if tag, ok := t.Field(i).Tag.Lookup("river"); ok {
			names[strings.Split(tag, ",")[0]] = true
		}
	}
	return names
}

func checkNames(t *testing.T, table string, rows [][]string, inCode map[string]bool) {
	t.Helper()
	documented := map[string]bool{}
	for _, row := range rows {
		documented[strings.Trim(row[0], "`")] = true
	}
	if len(inCode) < 5 {
		t.Fatalf("%s: only %d fields in the code", table, len(inCode))
	}
	sameAsDocumented(t, table, inCode, documented)
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docTable returns the cells of the first table under heading, without
// its header and separator rows: Grafana's reference pages write tables
// without outer pipes, and no cell of ours holds a pipe.
func docTable(t *testing.T, doc, heading string) [][]string {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("no section %q", heading)
	}
	lines := strings.Split(section, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, " | ") })
	if start < 0 {
		t.Fatalf("no table under %q", heading)
	}
	var rows [][]string
	for _, l := range lines[start+2:] {
		if strings.TrimSpace(l) == "" {
			break
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatalf("the table under %q is empty", heading)
	}
	return rows
}
