package main

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// sbomPath is where the image carries its SBOM; the label sbomLabel names it.
const (
	sbomPath  = "usr/share/doc/aws-agent/sbom.spdx.json"
	sbomLabel = "io.github.flow-aws-auth.sbom"
)

// The subset of SPDX 2.3 (JSON) an SBOM of a Go binary needs: one package
// per module in the binary's build info, the Go standard library among
// them, each with its package URL, which scanners (grype, trivy) match.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string       `json:"name"`
	SPDXID           string       `json:"SPDXID"`
	VersionInfo      string       `json:"versionInfo"`
	DownloadLocation string       `json:"downloadLocation"`
	FilesAnalyzed    bool         `json:"filesAnalyzed"`
	ExternalRefs     []spdxExtRef `json:"externalRefs"`
	Checksums        []spdxSum    `json:"checksums,omitempty"`
	PrimaryPurpose   string       `json:"primaryPackagePurpose,omitempty"`
}

type spdxExtRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxSum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// sbom is the SPDX document of a Go binary, from its build info: the same
// binary gives the same document.
func sbom(bin []byte, version string) ([]byte, error) {
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("reading the binary's build info: %w", err)
	}
	sum := sha256.Sum256(bin)
	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              "aws-agent " + version,
		DocumentNamespace: "https://github.com/flow-aws-auth/flow-aws-auth/sbom/aws-agent-" + hex.EncodeToString(sum[:8]),
		CreationInfo:      spdxCreationInfo{Created: epoch.Format("2006-01-02T15:04:05Z"), Creators: []string{"Tool: ociimage"}},
	}
	root := spdxPackage{
		Name: "aws-agent", SPDXID: "SPDXRef-aws-agent", VersionInfo: version, DownloadLocation: "NOASSERTION",
		ExternalRefs:   []spdxExtRef{purl(info.Main.Path, version)},
		Checksums:      []spdxSum{{"SHA256", hex.EncodeToString(sum[:])}},
		PrimaryPurpose: "APPLICATION",
	}
	doc.Packages = append(doc.Packages, root)
	add := func(path, v string) {
		ref := purl(path, v)
		if path == "stdlib" {
			ref = purl(path, strings.TrimPrefix(v, "go")) // as scanners write the standard library's
		}
		p := spdxPackage{Name: path, SPDXID: spdxID(len(doc.Packages), path), VersionInfo: v, DownloadLocation: "NOASSERTION", ExternalRefs: []spdxExtRef{ref}}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, spdxRelationship{root.SPDXID, "DEPENDS_ON", p.SPDXID})
	}
	add("stdlib", info.GoVersion)
	for _, m := range info.Deps {
		if m.Replace != nil {
			m = m.Replace // what was built in
		}
		add(m.Path, m.Version)
	}
	doc.Relationships = append([]spdxRelationship{{"SPDXRef-DOCUMENT", "DESCRIBES", root.SPDXID}}, doc.Relationships...)
	return json.MarshalIndent(doc, "", "  ")
}

// purl is a Go module's package URL: pkg:golang/PATH@VERSION.
func purl(path, version string) spdxExtRef {
	return spdxExtRef{"PACKAGE-MANAGER", "purl", "pkg:golang/" + path + "@" + version}
}

// spdxID is a package's SPDX identifier: letters, digits, '.' and '-',
// numbered, since two paths may map to the same letters.
func spdxID(n int, path string) string {
	return fmt.Sprintf("SPDXRef-Package-%d-", n) + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, path)
}
