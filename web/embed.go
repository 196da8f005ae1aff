// Package web holds the browser application (React + TypeScript, built by
// Vite into web/dist) embedded in the platform binary; api/webapp.go serves
// it. Without a build, dist holds only a placeholder (.gitkeep) so that
// `go build ./...` works without Node: `make web` builds the app.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built application: index.html at its root and the
// content-hashed files under assets/. index.html is absent when the app was
// not built.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // cannot happen: "dist" is a valid path
		panic(err)
	}
	return sub
}
