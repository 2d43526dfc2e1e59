package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The SBOM lists what the binary's build info says was built in: every
// module at its version and the standard library, each with the package
// URL scanners match on, and nothing twice.
func TestSBOMListsTheBinarysModules(t *testing.T) {
	bin := testBinary(t)
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		t.Fatal(err)
	}
	out, err := sbom(bin, "v9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	var doc spdxDocument
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXID != "SPDXRef-DOCUMENT" {
		t.Fatalf("document header %+v", doc)
	}
	purls := map[string]bool{}
	ids := map[string]bool{}
	for _, p := range doc.Packages {
		if ids[p.SPDXID] {
			t.Fatalf("SPDX ID %s twice", p.SPDXID)
		}
		ids[p.SPDXID] = true
		if len(p.ExternalRefs) != 1 || p.ExternalRefs[0].Type != "purl" {
			t.Fatalf("package %s refs %+v", p.Name, p.ExternalRefs)
		}
		purls[p.ExternalRefs[0].Locator] = true
	}
	if len(info.Deps) == 0 {
		t.Fatal("the test binary has no dependencies in its build info")
	}
	for _, m := range info.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		if !purls["pkg:golang/"+m.Path+"@"+m.Version] {
			t.Errorf("no package for %s@%s", m.Path, m.Version)
		}
	}
	if want := "pkg:golang/stdlib@" + strings.TrimPrefix(info.GoVersion, "go"); !purls[want] {
		t.Errorf("no %s", want)
	}
	if len(doc.Packages) != len(info.Deps)+2 {
		t.Errorf("%d packages for %d modules, the standard library and aws-agent", len(doc.Packages), len(info.Deps))
	}
	sum := sha256.Sum256(bin)
	root := doc.Packages[0]
	if root.VersionInfo != "v9.9.9" || len(root.Checksums) != 1 || root.Checksums[0].Value != hex.EncodeToString(sum[:]) {
		t.Errorf("root package %+v", root)
	}
	for _, r := range doc.Relationships {
		if !ids[r.Related] || (r.Element != "SPDXRef-DOCUMENT" && !ids[r.Element]) {
			t.Errorf("relationship to nothing: %+v", r)
		}
	}
	again, _ := sbom(bin, "v9.9.9")
	if !bytes.Equal(out, again) {
		t.Error("the same binary gave two SBOMs")
	}
	if _, err := sbom([]byte("#!/bin/sh\n"), "dev"); err == nil || !strings.Contains(err.Error(), "build info") {
		t.Errorf("a file that is no Go binary: %v", err)
	}
}

// The image carries the SBOM at the path its label names, the same bytes
// as the one written beside the archive.
func TestImageCarriesItsSBOM(t *testing.T) {
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(ca, []byte("not checked here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	archive, beside := filepath.Join(dir, "image.tar"), filepath.Join(dir, "image.spdx.json")
	if err := build(exe, ca, archive, "localhost/aws-agent:test", "dev", beside); err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Labels[sbomLabel]; got != "/usr/share/doc/aws-agent/sbom.spdx.json" {
		t.Fatalf("label %s = %q", sbomLabel, got)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	want, err := os.ReadFile(beside)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatal("the image has no SBOM")
		}
		if err != nil {
			t.Fatal(err)
		}
		if "/"+h.Name == cfg.Config.Labels[sbomLabel] {
			got, _ := io.ReadAll(tr)
			if !bytes.Equal(got, want) || !bytes.Contains(got, []byte(`"SPDX-2.3"`)) {
				t.Fatal("the image's SBOM differs from the one beside the archive")
			}
			return
		}
	}
}

func testBinary(t *testing.T) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
