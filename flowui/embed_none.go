//go:build !uiassets

package flowui

import "io/fs"

func embedded() fs.FS { return nil }
