//go:build uiassets

package flowui

import (
	"embed"
	"io/fs"
)

// build is what build-ui.sh wrote; the uiassets tag needs it to exist.
//
//go:embed all:build
var build embed.FS

func embedded() fs.FS {
	sub, err := fs.Sub(build, "build")
	if err != nil {
		return nil
	}
	return sub
}
