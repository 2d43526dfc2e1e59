package main

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
)

// Finding is one vulnerability that reaches code, as govulncheck's JSON
// protocol (golang.org/x/vuln, protocol v1) reports it.
type Finding struct {
	ID              string
	Module, Version string // of the first trace: "stdlib" and the Go version for the standard library
	Fixed           string // "" when no version fixes it
	Function        string // the vulnerable function reached, Package.Func
	// Modules are every module a trace of it reaches: a vulnerability
	// may span several (the collector's config modules, say), and which
	// a scan names first varies.
	Modules []string
}

type message struct {
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
			Receiver string `json:"receiver"`
		} `json:"trace"`
	} `json:"finding"`
}

// readFindings reads one govulncheck -format json stream (a sequence of
// JSON objects) and returns each vulnerability whose trace reaches a
// function, once.
func readFindings(r io.Reader) ([]Finding, error) {
	dec := json.NewDecoder(r)
	seen := map[string]int{} // ID: index in out
	var out []Finding
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // a package- or module-level finding: the code is not reached
		}
		t := f.Trace[0]
		if i, ok := seen[f.OSV]; ok {
			if !slices.Contains(out[i].Modules, t.Module) {
				out[i].Modules = append(out[i].Modules, t.Module)
			}
			continue
		}
		seen[f.OSV] = len(out)
		fn := t.Package + "." + t.Function
		if t.Receiver != "" {
			fn = t.Package + "." + t.Receiver + "." + t.Function
		}
		out = append(out, Finding{ID: f.OSV, Module: t.Module, Version: t.Version, Fixed: f.FixedVersion, Function: fn, Modules: []string{t.Module}})
	}
}
