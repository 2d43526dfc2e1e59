// Package examples holds River configurations users copy; a test loads
// each. The demo's is embedded in aws-agent.
package examples

import _ "embed"

// Demo is demo.river, which `aws-agent demo` runs.
//
//go:embed demo.river
var Demo []byte
