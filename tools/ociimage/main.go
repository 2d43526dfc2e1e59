// Command ociimage packs a static aws-agent binary into an OCI image and
// writes it as an image archive that `podman load` and `docker load` read
// and `crane push` sends to a registry — no container daemon involved.
//
// The image has one layer: the binary, its SPDX SBOM (from the binary's
// build info, at /usr/share/doc/aws-agent/sbom.spdx.json, named by the
// io.github.flow-aws-auth.sbom label), Debian's CA certificates, a passwd
// entry for the non-root user 65532 it runs as, and writable /tmp and
// /var/lib/aws-agent. Its entrypoint is aws-agent; its default command
// runs /etc/aws-agent/config.river, serving on 0.0.0.0:12345 as the
// upstream agent's image does.
//
//	ociimage -binary build/aws-agent -o build/aws-agent-image.tar [-sbom FILE] [-tag localhost/aws-agent:dev]
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The user the agent runs as, as in distroless images and the manifests.
const uid, gid = 65532, 65532

func main() {
	binary := flag.String("binary", "build/aws-agent", "the static aws-agent binary (CGO_ENABLED=0)")
	out := flag.String("o", "build/aws-agent-image.tar", "where to write the image archive")
	tag := flag.String("tag", "localhost/aws-agent:dev", "the image's name in the archive")
	certs := flag.String("ca-certificates", "/etc/ssl/certs/ca-certificates.crt", "the CA bundle to put in the image")
	version := flag.String("version", "dev", "the org.opencontainers.image.version label")
	sbomOut := flag.String("sbom", "", "also write the image's SPDX SBOM here")
	flag.Parse()
	if err := build(*binary, *certs, *out, *tag, *version, *sbomOut); err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
}

func build(binary, certs, out, tag, version, sbomOut string) error {
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("-tag: %w", err)
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return fmt.Errorf("-binary: %w", err)
	}
	ca, err := os.ReadFile(certs)
	if err != nil {
		return fmt.Errorf("-ca-certificates: %w (Debian's ca-certificates package provides it)", err)
	}
	doc, err := sbom(bin, version)
	if err != nil {
		return fmt.Errorf("-binary: %w", err)
	}
	if sbomOut != "" {
		if err := os.WriteFile(sbomOut, doc, 0o644); err != nil {
			return fmt.Errorf("-sbom: %w", err)
		}
	}
	layerTar, err := rootfs(bin, ca, doc)
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		Config: v1.Config{
			User:       fmt.Sprintf("%d:%d", uid, gid),
			Entrypoint: []string{"/usr/bin/aws-agent"},
			Cmd:        []string{"run", "/etc/aws-agent/config.river", "--server.http.listen-addr=0.0.0.0:12345", "--storage.path=/var/lib/aws-agent"},
			Env:        []string{"PATH=/usr/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
			WorkingDir: "/var/lib/aws-agent",
			ExposedPorts: map[string]struct{}{
				"12345/tcp": {},
			},
			Labels: map[string]string{
				"org.opencontainers.image.title":       "aws-agent",
				"org.opencontainers.image.description": "Grafana Agent Flow with aws.auth: AWS credentials and SigV4 signing for telemetry",
				"org.opencontainers.image.source":      "https://github.com/flow-aws-auth/flow-aws-auth",
				"org.opencontainers.image.version":     version,
				"org.opencontainers.image.licenses":    "Apache-2.0",
				sbomLabel:                              "/" + sbomPath,
			},
		},
	})
	if err != nil {
		return err
	}
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "ociimage"}})
	if err != nil {
		return err
	}
	return tarball.WriteToFile(out, ref, img)
}

// epoch dates every file and the image, so that the same binary gives the
// same image.
var epoch = time.Unix(0, 0).UTC()

// rootfs is the layer: directories, then files, owned by root but for the
// agent's writable directories.
func rootfs(bin, ca, sbom []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries := []struct {
		name     string
		mode     int64
		uid, gid int
		body     []byte
		dir      bool
	}{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/aws-agent/", mode: 0o755, dir: true},
		{name: "etc/ssl/", mode: 0o755, dir: true},
		{name: "etc/ssl/certs/", mode: 0o755, dir: true},
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "usr/", mode: 0o755, dir: true},
		{name: "usr/bin/", mode: 0o755, dir: true},
		{name: "usr/share/", mode: 0o755, dir: true},
		{name: "usr/share/doc/", mode: 0o755, dir: true},
		{name: "usr/share/doc/aws-agent/", mode: 0o755, dir: true},
		{name: "var/", mode: 0o755, dir: true},
		{name: "var/lib/", mode: 0o755, dir: true},
		{name: "var/lib/aws-agent/", mode: 0o755, uid: uid, gid: gid, dir: true},
		{name: "etc/passwd", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/var/lib/aws-agent:/sbin/nologin\n", uid, gid))},
		{name: "etc/group", mode: 0o644, body: []byte(fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", gid))},
		{name: "etc/nsswitch.conf", mode: 0o644, body: []byte("hosts: files dns\n")},
		{name: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, body: ca},
		{name: "usr/bin/aws-agent", mode: 0o755, body: bin},
		{name: sbomPath, mode: 0o644, body: sbom},
	}
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: epoch, Format: tar.FormatPAX}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
