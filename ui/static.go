package ui

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Static holds the explorer's CSS and JavaScript, to be served under StaticPath.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil { // cannot happen: the directory is embedded
		panic(err)
	}
	return sub
}
