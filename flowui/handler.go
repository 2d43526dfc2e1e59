package flowui

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"
)

// placeholder is where the upstream build leaves the UI's base path for the
// server to fill in (web/ui/.env.production).
const placeholder = "{{! .PublicURL !}}"

// Handler serves the UI's pages and assets under prefix: prefix/public/NAME
// is the asset NAME, every other path the single-page app's index.html.
// With nil assets it answers 404 with how to build them.
func Handler(prefix string, assets fs.FS) http.Handler {
	if assets == nil {
		return missing(prefix)
	}
	return &assetHandler{prefix: prefix, base: []byte(strings.TrimSuffix(prefix, "/")), assets: assets}
}

type assetHandler struct {
	prefix string
	base   []byte
	assets fs.FS

	mu       sync.Mutex
	rendered map[string]rendered
}

// rendered is an asset with the base path filled in, kept until the file
// changes (a directory of assets may be rebuilt under a running agent).
type rendered struct {
	mod  time.Time
	body []byte
}

func (h *assetHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name := "index.html"
	if asset, ok := strings.CutPrefix(rest, "public/"); ok {
		name = asset
	}
	f, err := h.file(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, name, f.mod, bytes.NewReader(f.body))
}

func (h *assetHandler) file(name string) (rendered, error) {
	if !fs.ValidPath(name) {
		return rendered{}, fs.ErrNotExist
	}
	fi, err := fs.Stat(h.assets, name)
	if err != nil {
		return rendered{}, err
	}
	if fi.IsDir() {
		return rendered{}, fs.ErrNotExist
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if f, ok := h.rendered[name]; ok && f.mod.Equal(fi.ModTime()) {
		return f, nil
	}
	b, err := fs.ReadFile(h.assets, name)
	if err != nil {
		return rendered{}, err
	}
	f := rendered{mod: fi.ModTime(), body: bytes.ReplaceAll(b, []byte(placeholder), h.base)}
	if h.rendered == nil {
		h.rendered = map[string]rendered{}
	}
	h.rendered[name] = f
	return f, nil
}

// missingText is what the UI pages say when the binary has no UI assets.
const missingText = `The Flow UI's assets are not part of this aws-agent.
Build them with "make ui" (Node.js and npm), then either
  run aws-agent with --ui.assets-dir=flowui/build, or
  build aws-agent with "go build -tags uiassets ./cmd/aws-agent".
The UI's API answers meanwhile: %sapi/v0/web/components
`

func missing(prefix string) http.Handler {
	msg := fmt.Sprintf(missingText, prefix)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(msg))
	})
}
