// Command vulngate holds govulncheck's findings to the exceptions file:
// it fails on a finding the file does not explain, and on an explanation
// that no longer matches a finding, so the file stays the list of what
// is left and why.
//
//	vulngate -exceptions docs/vulnerabilities.md source.json binary.json
//
// Each argument is govulncheck's -format json output of one scan. Only
// findings that reach code count (govulncheck's "affects your code": a
// trace down to a function); findings of imported packages or required
// modules whose vulnerable code is never called do not.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

func main() {
	exceptions := flag.String("exceptions", "docs/vulnerabilities.md", "the exceptions file")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "vulngate: give one or more govulncheck -format json outputs")
		os.Exit(2)
	}
	report, err := gate(*exceptions, flag.Args())
	fmt.Print(report)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(1)
	}
}

// gate reads the scans and the exceptions and says what it found; the
// error lists every finding without an exception and every exception
// without a finding.
func gate(exceptionsFile string, scans []string) (string, error) {
	text, err := os.ReadFile(exceptionsFile)
	if err != nil {
		return "", err
	}
	excepted, err := parseExceptions(string(text))
	if err != nil {
		return "", fmt.Errorf("%s: %w", exceptionsFile, err)
	}
	found := map[string]Finding{}
	var report strings.Builder
	for _, scan := range scans {
		f, err := os.Open(scan)
		if err != nil {
			return "", err
		}
		findings, err := readFindings(f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", scan, err)
		}
		fmt.Fprintf(&report, "%s: %d vulnerabilities reach code\n", scan, len(findings))
		for _, x := range findings {
			if prev, ok := found[x.ID]; ok {
				for _, m := range x.Modules {
					if !slices.Contains(prev.Modules, m) {
						prev.Modules = append(prev.Modules, m)
					}
				}
				x = prev
			}
			found[x.ID] = x
		}
	}
	var problems []string
	for _, id := range sortedKeys(found) {
		x := found[id]
		e, ok := excepted[id]
		switch {
		case !ok:
			fix := "no fixed version"
			if x.Fixed != "" {
				fix = "fixed in " + x.Fixed
			}
			problems = append(problems, fmt.Sprintf("%s in %s@%s (%s), reached by %s: fix it or explain it in %s", id, x.Module, x.Version, fix, x.Function, exceptionsFile))
		case !slices.ContainsFunc(x.Modules, func(m string) bool { return m == e.Module || strings.HasPrefix(m, e.Module+"/") }):
			// A module names its nested modules too: which of them a
			// scan's traces reach varies with the build.
			problems = append(problems, fmt.Sprintf("%s: the exception names module %s, the finding is in %s", id, e.Module, strings.Join(x.Modules, ", ")))
		}
	}
	for _, id := range sortedKeys(excepted) {
		if _, ok := found[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s (%s): excepted, but no scan finds it any more: remove it from %s", id, excepted[id].Module, exceptionsFile))
		}
	}
	fmt.Fprintf(&report, "%d distinct vulnerabilities reach code; %d exceptions\n", len(found), len(excepted))
	if len(problems) > 0 {
		return report.String(), fmt.Errorf("%d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return report.String(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
