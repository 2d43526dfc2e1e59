package main

import (
	"os"
	"regexp"
	"runtime"
	"testing"
)

// The suite runs on the toolchain go.mod names: the standard library's
// fixes the gate counts on are that toolchain's. A machine whose entry
// point forgot GOTOOLCHAIN (and has GOTOOLCHAIN=local) fails here.
func TestBuiltWithGoModsToolchain(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^toolchain (go\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no toolchain line")
	}
	if runtime.Version() != string(m[1]) {
		t.Fatalf("built with %s; go.mod's toolchain is %s: export GOTOOLCHAIN=%s", runtime.Version(), m[1], m[1])
	}
}
