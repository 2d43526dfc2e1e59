// Package bulk reads an OpenSearch _bulk body's action lines as the body
// streams through the gateway, and refuses what is not a telemetry write:
// the gateway signs `_bulk` for OpenSearch Service domains and Serverless
// collections, and the body, not the path, says what a bulk request does —
// delete documents, run scripted updates, read them back (update with
// _source), write into any index (.kibana, the security plugin's).
//
// The rules (docs/gateway.md, "What the gateway signs for"):
//   - every action is `index` or `create`, one per action line, and is
//     followed by one document line, which is not read;
//   - its metadata holds only _index, _id, routing and require_alias, each
//     once; no _source, script, pipeline or anything else;
//   - _index is absent (the path names the index) or the path's index; with
//     no index in the path it is required; an index name may not begin
//     with . _ - or +;
//   - no blank line, an action line of at most MaxActionLine bytes, and the
//     body ends with a newline, as OpenSearch requires.
//
// Nothing but the action line being read is kept: the body passes through
// (the signer holds its one copy).
package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxActionLine is the longest action line read: telemetry writers send
// a few dozen bytes.
const MaxActionLine = 4 << 10

// Refusal is the error of a body that breaks a rule: the action line's
// number (from 1) and what is wrong.
type Refusal struct {
	Line   int
	Reason string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("_bulk line %d: %s; the gateway signs index and create actions into the path's index only", r.Line, r.Reason)
}

// Check returns body, read through the rules for a _bulk request whose
// path names index ("" for /_bulk) and whose body is length bytes long (-1
// when unknown). A Read that meets a broken rule returns a *Refusal, and
// so does every Read after it. The end is judged at io.EOF or at length
// bytes, whichever comes first: a reader of a known length (io.ReadFull)
// need not read on to io.EOF.
func Check(body io.ReadCloser, index string, length int64) io.ReadCloser {
	return &checker{body: body, index: index, length: length, action: true}
}

type checker struct {
	body   io.ReadCloser
	index  string
	length int64
	read   int64
	line   int          // lines seen whole
	cur    bytes.Buffer // the action line under way
	// action: the line under way is an action line (else a document
	// line, skipped); begun: it has a byte.
	action bool
	begun  bool
	err    error
	// allowed is the last action line judged allowed: writers repeat one
	// action line, and the rules read nothing but the line and the path.
	allowed []byte
}

func (c *checker) Close() error { return c.body.Close() }

func (c *checker) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.body.Read(p)
	c.read += int64(n)
	if ferr := c.feed(p[:n]); ferr != nil {
		c.err = ferr
		return 0, ferr
	}
	end := err == io.EOF || c.length >= 0 && c.read >= c.length
	if end && c.begun {
		c.err = &Refusal{Line: c.line + 1, Reason: "the body does not end with a newline"}
		return 0, c.err
	}
	return n, err
}

// feed reads b's lines: an action line is kept until its newline and
// judged; a document line is skipped to its newline.
func (c *checker) feed(b []byte) error {
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		part := b
		if nl >= 0 {
			part = b[:nl]
		}
		if len(part) > 0 {
			c.begun = true
		}
		if c.action {
			if c.cur.Len()+len(part) > MaxActionLine {
				return &Refusal{Line: c.line + 1, Reason: fmt.Sprintf("an action line longer than %d bytes", MaxActionLine)}
			}
			c.cur.Write(part)
		}
		if nl < 0 {
			return nil
		}
		c.line++
		line := bytes.TrimSuffix(c.cur.Bytes(), []byte("\r")) // empty for a document line
		if !c.begun || c.action && len(line) == 0 {
			return &Refusal{Line: c.line, Reason: "a blank line"}
		}
		if c.action {
			if !bytes.Equal(line, c.allowed) {
				if err := c.judge(line); err != nil {
					return err
				}
				c.allowed = append(c.allowed[:0], line...)
			}
			c.cur.Reset()
		}
		c.action, c.begun = !c.action, false
		b = b[nl+1:]
	}
	return nil
}

// allowedMeta are the metadata an index or create action may carry.
var allowedMeta = map[string]bool{"_index": true, "_id": true, "routing": true, "require_alias": true}

// judge reads one action line: {"index"|"create": {metadata}}.
func (c *checker) judge(line []byte) error {
	refuse := func(format string, args ...any) error {
		return &Refusal{Line: c.line, Reason: fmt.Sprintf(format, args...)}
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return refuse("not an action (a JSON object)")
	}
	t, err := d.Token()
	name, ok := t.(string)
	if err != nil || !ok {
		return refuse("not an action (a JSON object with one key)")
	}
	if name != "index" && name != "create" {
		return refuse("action %q", clip(name))
	}
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return refuse("%s: its metadata is not an object", name)
	}
	seen := map[string]bool{}
	var target string
	for d.More() {
		t, err := d.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return refuse("%s: metadata that is not JSON", name)
		}
		if !allowedMeta[key] {
			return refuse("%s with %q (only _index, _id, routing and require_alias)", name, clip(key))
		}
		if seen[key] {
			return refuse("%s with %q twice", name, key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return refuse("%s: metadata that is not JSON", name)
		}
		if key == "_index" {
			if err := json.Unmarshal(v, &target); err != nil {
				return refuse("%s: _index is not a string", name)
			}
		}
	}
	if t, err := d.Token(); err != nil || t != json.Delim('}') {
		return refuse("%s: metadata that is not JSON", name)
	}
	if t, err := d.Token(); err != nil || t != json.Delim('}') {
		return refuse("not an action (a JSON object with one key)")
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return refuse("more than one JSON value on an action line")
	}
	switch {
	case seen["_index"] && c.index != "" && target != c.index:
		return refuse("%s into index %q, not the path's %q", name, clip(target), c.index)
	case !seen["_index"] && c.index == "":
		return refuse("%s names no index, and neither does the path", name)
	case seen["_index"] && (target == "" || strings.ContainsAny(target[:1], "._-+") || strings.Contains(target, "/")):
		return refuse("%s into index %q: an index name may not begin with . _ - or +", name, clip(target))
	}
	return nil
}

// clip keeps a client's text short in a refusal.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
