package flowui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A build's shape: the base path placeholder in index.html and in the
// compiled script, as web/ui/.env.production leaves it.
func builtUI() fstest.MapFS {
	return fstest.MapFS{
		"index.html":            {Data: []byte(`<base href="{{! .PublicURL !}}/"><script src="./public/static/js/main.js"></script>`)},
		"static/js/main.js":     {Data: []byte(`const base="{{! .PublicURL !}}";`)},
		"static/css/main.css":   {Data: []byte(`body{}`)},
		"favicon.ico":           {Data: []byte{0, 0, 1, 0}},
		"static/media/logo.svg": {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
	}
}

func get(t *testing.T, h http.Handler, path string) (int, string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

func TestHandlerServesPagesAndAssets(t *testing.T) {
	for _, tc := range []struct{ prefix, base string }{{"/", ""}, {"/ui/", "/ui"}} {
		h := Handler(tc.prefix, builtUI())
		for _, page := range []string{tc.prefix, tc.prefix + "component/aws.auth.demo", tc.prefix + "graph"} {
			code, ctype, body := get(t, h, page)
			if want := `<base href="` + tc.base + `/">`; code != 200 || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(body, want) {
				t.Errorf("%s: %d %q %q, want 200 text/html with %s", page, code, ctype, body, want)
			}
		}
		code, ctype, body := get(t, h, tc.prefix+"public/static/js/main.js")
		if want := `const base="` + tc.base + `";`; code != 200 || !strings.Contains(ctype, "javascript") || body != want {
			t.Errorf("main.js under %s: %d %q %q, want %q", tc.prefix, code, ctype, body, want)
		}
		if code, ctype, _ := get(t, h, tc.prefix+"public/static/css/main.css"); code != 200 || !strings.HasPrefix(ctype, "text/css") {
			t.Errorf("main.css: %d %q", code, ctype)
		}
		if code, ctype, _ := get(t, h, tc.prefix+"public/static/media/logo.svg"); code != 200 || ctype != "image/svg+xml" {
			t.Errorf("logo.svg: %d %q", code, ctype)
		}
	}
}

func TestHandlerRefusesWhatIsNotAnAsset(t *testing.T) {
	h := Handler("/", builtUI())
	for _, path := range []string{"/public/", "/public/static", "/public/static/js/missing.js", "/public/../index.html", "/public//static/js/main.js"} {
		if code, _, body := get(t, h, path); code != http.StatusNotFound {
			t.Errorf("%s: %d %q, want 404", path, code, body)
		}
	}
}

func TestHandlerWithoutAssetsSaysHowToBuildThem(t *testing.T) {
	code, ctype, body := get(t, Handler("/", nil), "/component/aws.auth.demo")
	if code != http.StatusNotFound || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("%d %q, want 404 text/plain", code, ctype)
	}
	for _, want := range []string{"make ui", "--ui.assets-dir=flowui/build", "-tags uiassets", "/api/v0/web/components"} {
		if !strings.Contains(body, want) {
			t.Errorf("message lacks %q:\n%s", want, body)
		}
	}
}

// A directory rebuilt under a running agent is served anew.
func TestHandlerPicksUpRebuiltFiles(t *testing.T) {
	dir := t.TempDir()
	index := filepath.Join(dir, "index.html")
	write := func(s string, mod time.Time) {
		if err := os.WriteFile(index, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(index, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write("first {{! .PublicURL !}}", time.Now().Add(-time.Hour))
	assets, err := Assets(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler("/ui/", assets)
	if _, _, body := get(t, h, "/ui/"); body != "first /ui" {
		t.Fatalf("got %q", body)
	}
	write("second {{! .PublicURL !}}", time.Now())
	if _, _, body := get(t, h, "/ui/"); body != "second /ui" {
		t.Fatalf("after the rebuild got %q", body)
	}
}

func TestAssets(t *testing.T) {
	if a, err := Assets(""); a != nil || err != nil {
		t.Errorf("without -tags uiassets and no directory: %v %v, want nil nil", a, err)
	}
	_, err := Assets(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "ui.assets-dir") || !strings.Contains(err.Error(), "make ui") {
		t.Errorf("a directory without a built UI: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Assets(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.Open("index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != "x" {
		t.Errorf("read %q", b)
	}
}
