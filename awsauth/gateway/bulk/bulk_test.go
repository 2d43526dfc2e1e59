package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// cases are bodies and whether the gateway may sign them for the path's
// index "logs" (and for /_bulk, with index "").
var cases = []struct {
	name, body  string
	index       string
	ok          bool
	refusalHint string
}{
	{"index into the path's index", `{"index":{}}` + "\n" + `{"msg":"a"}` + "\n", "logs", true, ""},
	{"create with _index and _id", `{"create":{"_index":"logs","_id":"1"}}` + "\n" + `{"msg":"a"}` + "\n", "logs", true, ""},
	{"many, CRLF", `{"index":{"_index":"logs"}}` + "\r\n" + `{"a":1}` + "\r\n" + `{ "create" : { "routing" : "x" } }` + "\n" + `{"b":2}` + "\n", "logs", true, ""},
	{"/_bulk with _index", `{"index":{"_index":"app-2026.12.04"}}` + "\n" + `{"msg":"a"}` + "\n", "", true, ""},
	{"empty body", "", "logs", true, ""},

	{"delete", `{"delete":{"_index":"logs","_id":"1"}}` + "\n", "logs", false, `action "delete"`},
	{"update with _source", `{"index":{}}` + "\n" + `{}` + "\n" + `{"update":{"_id":"1","_source":true}}` + "\n" + `{"doc":{}}` + "\n", "logs", false, `line 3: action "update"`},
	{"scripted update", `{"update":{"_id":"1"}}` + "\n" + `{"script":{"source":"ctx._source.x=1"}}` + "\n", "logs", false, `action "update"`},
	{"another index", `{"index":{"_index":"other"}}` + "\n" + `{}` + "\n", "logs", false, `"other", not the path's "logs"`},
	{".kibana", `{"index":{"_index":".kibana"}}` + "\n" + `{}` + "\n", "", false, `index ".kibana"`},
	{"security index", `{"create":{"_index":".opendistro_security"}}` + "\n" + `{}` + "\n", "", false, `.opendistro_security`},
	{"no index anywhere", `{"index":{}}` + "\n" + `{}` + "\n", "", false, "names no index"},
	{"_source in metadata", `{"index":{"_source":true}}` + "\n" + `{}` + "\n", "logs", false, `"_source"`},
	{"pipeline", `{"index":{"pipeline":"p"}}` + "\n" + `{}` + "\n", "logs", false, `"pipeline"`},
	{"two actions on a line", `{"index":{},"delete":{"_id":"1"}}` + "\n" + `{}` + "\n", "logs", false, "one key"},
	{"_index twice", `{"index":{"_index":"logs","_index":".kibana"}}` + "\n" + `{}` + "\n", "logs", false, "twice"},
	{"blank line shifting the pairs", `{"index":{}}` + "\n\n" + `{"delete":{"_id":"1"}}` + "\n", "logs", false, "blank line"},
	{"no final newline", `{"index":{}}` + "\n" + `{}`, "logs", false, "newline"},
	{"action without a final newline", `{"index":{}}` + "\n" + `{}` + "\n" + `{"delete":{"_id":"1"}}`, "logs", false, "line 3: the body does not end with a newline"},
	{"not JSON", `index logs` + "\n" + `{}` + "\n", "logs", false, "not an action"},
	{"trailing value", `{"index":{}} {"delete":{}}` + "\n" + `{}` + "\n", "logs", false, "more than one"},
	{"long action line", `{"index":{"_id":"` + strings.Repeat("a", MaxActionLine) + `"}}` + "\n" + `{}` + "\n", "logs", false, "longer than"},
}

// readAll reads body through Check in chunks of size k, to EOF or, with
// known, as a reader of a known length does (io.ReadFull, no EOF).
func readAll(body, index string, k int, known bool) ([]byte, error) {
	length := int64(-1)
	if known {
		length = int64(len(body))
	}
	r := Check(io.NopCloser(&chunked{s: body, k: k}), index, length)
	if known {
		b := make([]byte, len(body))
		_, err := io.ReadFull(r, b)
		return b, err
	}
	return io.ReadAll(r)
}

type chunked struct {
	s string
	k int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.k)], c.s)
	c.s = c.s[n:]
	return n, nil
}

func TestBulkBodies(t *testing.T) {
	for _, c := range cases {
		for _, k := range []int{1, 7, 1 << 20} {
			for _, known := range []bool{false, true} {
				got, err := readAll(c.body, c.index, k, known)
				var ref *Refusal
				switch {
				case c.ok && err != nil:
					t.Errorf("%s (chunks of %d, known length %v): refused: %v", c.name, k, known, err)
				case c.ok && string(got) != c.body:
					t.Errorf("%s: the body changed on its way", c.name)
				case !c.ok && !errors.As(err, &ref):
					t.Errorf("%s (chunks of %d, known length %v): passed (%v)", c.name, k, known, err)
				case !c.ok && !strings.Contains(err.Error(), c.refusalHint):
					t.Errorf("%s: %q does not say %q", c.name, err, c.refusalHint)
				}
			}
		}
	}
}

// FuzzBulk holds the streaming checker to the rules as written in the
// package comment, here read off the whole body at once: whatever the
// chunking, a body passes exactly when the rules allow it.
func FuzzBulk(f *testing.F) {
	for _, c := range cases {
		f.Add(c.body, c.index, 3)
	}
	f.Add(`{"index":{"_index":"logs"}}`+"\n"+`{}`+"\n", "logs", 1)
	f.Add(`{"create":{"_index":"+x"}}`+"\n"+`{}`+"\n", "", 5)
	f.Add(`{"index":{"_index":"a/b"}}`+"\n"+`{}`+"\n", "", 5)
	f.Add(`{"index":{"require_alias":true,"routing":"r"}}`+"\n"+`{}`+"\n", "logs", 2)
	f.Fuzz(func(t *testing.T, body, index string, k int) {
		if k < 1 || k > 1<<16 || index != "" && index != "logs" {
			return
		}
		_, err := readAll(body, index, k, k%2 == 0)
		want := rulesAllow(body, index)
		if (err == nil) != want {
			t.Fatalf("body %q into %q: checker %v, rules allow %v", body, index, err, want)
		}
	})
}

// rulesAllow is the package comment's rules over a whole body.
func rulesAllow(body, index string) bool {
	if body == "" {
		return true
	}
	if !strings.HasSuffix(body, "\n") {
		return false
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for i, line := range lines {
		if line == "" {
			return false
		}
		if i%2 == 1 {
			continue // a document line
		}
		line = strings.TrimSuffix(line, "\r")
		if line == "" || len(line) > MaxActionLine || !actionAllowed(line, index) {
			return false
		}
	}
	return true
}

func actionAllowed(line, index string) bool {
	var action map[string]json.RawMessage
	if json.Unmarshal([]byte(line), &action) != nil || len(action) != 1 || duplicateKeys(line) {
		return false
	}
	var meta json.RawMessage
	for name, m := range action {
		if name != "index" && name != "create" {
			return false
		}
		meta = m
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(meta, &fields) != nil || fields == nil || duplicateKeys(string(meta)) {
		return false
	}
	for k := range fields {
		if k != "_index" && k != "_id" && k != "routing" && k != "require_alias" {
			return false
		}
	}
	raw, named := fields["_index"]
	if !named {
		return index != ""
	}
	var target string
	if json.Unmarshal(raw, &target) != nil || target == "" || strings.Contains(target, "/") {
		return false
	}
	if strings.Contains("._-+", target[:1]) {
		return false
	}
	return index == "" || target == index
}

// duplicateKeys reports whether the top-level object of s names a key twice.
func duplicateKeys(s string) bool {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return false
		}
		k, _ := t.(string)
		if seen[k] {
			return true
		}
		seen[k] = true
		var skip json.RawMessage
		if d.Decode(&skip) != nil {
			return false
		}
	}
	return false
}
