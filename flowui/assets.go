package flowui

import (
	"fmt"
	"io/fs"
	"os"
)

// AssetsDirUsage is the help of the --ui.assets-dir flag that Assets takes.
const AssetsDirUsage = "directory of the built Flow UI (\"make ui\" writes flowui/build); default: the assets built into the binary (-tags uiassets), if any"

// NoAssets is the startup log line of a binary with no UI assets.
const NoAssets = "this build has no Flow UI assets, so the UI pages only say how to add them: run \"make ui\", then pass --ui.assets-dir=flowui/build or build with -tags uiassets"

// Assets returns the UI's built assets: those in dir when it is set, else
// those built into the binary (-tags uiassets), else nil.
func Assets(dir string) (fs.FS, error) {
	if dir == "" {
		return embedded(), nil
	}
	assets := os.DirFS(dir)
	if _, err := fs.Stat(assets, "index.html"); err != nil {
		return nil, fmt.Errorf("ui.assets-dir %q holds no built UI (no index.html): build it with \"make ui\"", dir)
	}
	return assets, nil
}
