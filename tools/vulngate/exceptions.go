package main

import (
	"fmt"
	"regexp"
	"strings"
)

// Exception is one row of the exceptions file's table:
//
//	| ID | Module | Why it stays | What mitigates it |
type Exception struct {
	ID, Module, Why, Mitigation string
}

var osvID = regexp.MustCompile(`^GO-\d{4}-\d{4,}$`)

// parseExceptions reads every table row whose first cell is a Go
// vulnerability ID. Each must give the module, why it stays and what
// mitigates it; an ID may appear once.
func parseExceptions(text string) (map[string]Exception, error) {
	out := map[string]Exception{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(strings.Trim(strings.TrimSpace(cells[i]), "`"))
		}
		if !osvID.MatchString(cells[0]) {
			continue // the header, its rule, or another table
		}
		if len(cells) != 4 {
			return nil, fmt.Errorf("line %d: %s: want 4 cells (ID, module, why it stays, what mitigates it), got %d", n+1, cells[0], len(cells))
		}
		e := Exception{ID: cells[0], Module: cells[1], Why: cells[2], Mitigation: cells[3]}
		for name, v := range map[string]string{"module": e.Module, "why it stays": e.Why, "what mitigates it": e.Mitigation} {
			if v == "" {
				return nil, fmt.Errorf("line %d: %s: %s is empty", n+1, e.ID, name)
			}
		}
		if _, dup := out[e.ID]; dup {
			return nil, fmt.Errorf("line %d: %s is listed twice", n+1, e.ID)
		}
		out[e.ID] = e
	}
	return out, nil
}
