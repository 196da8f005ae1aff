package artifacts_test

import (
	"encoding/json"
	"errors"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/forgeai/platform/internal/artifacts"
)

// FuzzTreePaths stores a tree holding one file at an arbitrary path. A path
// PutTree accepts must be a clean relative path that stays inside the tree
// (the form the apps host looks up) and must come back unchanged from
// GetTree; a path it refuses must be refused with ErrInvalidPath, and a
// manifest naming it must be refused by GetManifest: the two sides agree.
func FuzzTreePaths(f *testing.F) {
	for _, p := range []string{
		"index.html", "assets/app.js", "a/b/c/d.css", "../escape.js", "/etc/passwd", "a/../b", "./a", "a//b", "a/",
		`a\b`, "a\x00b", "a\nb", ".", "..", "", "é/ü.txt", ".hidden", "a/./b", "C:/x", "%2e%2e/x", "a/..", "\x7f",
	} {
		f.Add(p)
	}
	store, err := artifacts.NewFS(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	content := []byte("<!doctype html>") // one blob, so only manifests are written per input
	f.Fuzz(func(t *testing.T, p string) {
		ctx := t.Context()
		digest, err := store.PutTree(ctx, []artifacts.File{{Path: p, Content: content}})
		accepted := err == nil
		if err != nil && !errors.Is(err, artifacts.ErrInvalidPath) {
			t.Fatalf("PutTree(%q): %v is not ErrInvalidPath", p, err)
		}
		if accepted {
			if !filepath.IsLocal(filepath.FromSlash(p)) || path.IsAbs(p) || path.Clean(p) != p ||
				strings.ContainsAny(p, "\\\x00") || slices.Contains(strings.Split(p, "/"), "..") {
				t.Fatalf("PutTree accepted %q, which is not a clean path inside the tree", p)
			}
			files, err := store.GetTree(ctx, digest)
			if err != nil {
				t.Fatalf("GetTree after PutTree(%q): %v", p, err)
			}
			if len(files) != 1 || files[0].Path != p || string(files[0].Content) != string(content) {
				t.Fatalf("tree of %q came back as %+v", p, files)
			}
		}
		if !utf8.ValidString(p) {
			return // JSON would not carry the path unchanged
		}
		// The read side: a manifest (written by anyone with access to the
		// store) naming the path is accepted exactly when PutTree accepts it.
		blob, err := store.PutBlob(ctx, content)
		if err != nil {
			t.Fatal(err)
		}
		manifest, err := json.Marshal(artifacts.Manifest{Files: []artifacts.Entry{{
			Path: p, Digest: blob, Size: int64(len(content)), ContentType: artifacts.ContentTypeOf(p),
		}}})
		if err != nil {
			t.Fatal(err)
		}
		md, err := store.PutBlob(ctx, manifest)
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.GetManifest(ctx, md)
		switch {
		case accepted && err != nil:
			t.Fatalf("GetManifest refuses %q, which PutTree accepted: %v", p, err)
		case !accepted && err == nil:
			t.Fatalf("GetManifest accepts %q, which PutTree refused: %+v", p, m)
		case !accepted && !errors.Is(err, artifacts.ErrInvalidManifest):
			t.Fatalf("GetManifest(%q): %v is not ErrInvalidManifest", p, err)
		}
	})
}
