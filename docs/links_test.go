// Package docs holds the documentation; its test holds the links between
// the pages, README and the repository's files.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	link    = regexp.MustCompile(`\]\(([^)\s]+)\)|^\[[^\]]+\]: (\S+)$`)
	heading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
)

// Every relative link of README and the pages names a file of the
// repository, and every #fragment a heading of the page it points to: a
// page moved or a heading renamed breaks the test, not the reader.
func TestLinksResolve(t *testing.T) {
	pages, _ := filepath.Glob("*.md")
	sub, _ := filepath.Glob("*/*.md")
	pages = append(append(pages, sub...), "../README.md", "../CHANGELOG.md")
	checked := 0
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(stripCode(string(text)), "\n") {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1] + m[2]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				file, fragment, _ := strings.Cut(target, "#")
				path := page
				if file != "" {
					path = filepath.Join(filepath.Dir(page), file)
				}
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s:%d: %s: no such file", page, n+1, target)
					continue
				}
				if fragment != "" && !hasAnchor(t, path, fragment) {
					t.Errorf("%s:%d: %s: no heading makes #%s", page, n+1, target, fragment)
				}
			}
		}
	}
	if checked < 40 {
		t.Fatalf("only %d links found: the pattern no longer matches the pages", checked)
	}
}

// hasAnchor reports whether a heading of the Markdown file at path makes
// the fragment, as GitHub spells anchors: lower case, punctuation dropped,
// spaces as hyphens.
func hasAnchor(t *testing.T, path, fragment string) bool {
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range heading.FindAllStringSubmatch(stripCode(string(text)), -1) {
		if anchor(m[1]) == fragment {
			return true
		}
	}
	return false
}

func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripCode blanks fenced code blocks, whose "#" lines are comments and
// whose brackets are code.
func stripCode(text string) string {
	lines := strings.Split(text, "\n")
	in := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			lines[i] = ""
			continue
		}
		if in {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}
