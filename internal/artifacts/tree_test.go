package artifacts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

func sampleFiles() []artifacts.File {
	return []artifacts.File{
		{Path: "index.html", Content: []byte("<!doctype html><title>x</title>")},
		{Path: "assets/app.js", Content: []byte("console.log(1)")},
		{Path: "assets/app.css", Content: []byte("body{}")},
		{Path: "data/empty.bin", Content: []byte{}},
		{Path: "a..b.txt", Content: []byte("dots inside a name are fine")},
	}
}

func TestTreeRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	files := sampleFiles()
	d, err := s.PutTree(ctx, files)
	if err != nil {
		t.Fatalf("PutTree: %v", err)
	}
	m, err := s.GetManifest(ctx, d)
	if err != nil {
		t.Fatalf("GetManifest: %v", err)
	}
	wantPaths := []string{"a..b.txt", "assets/app.css", "assets/app.js", "data/empty.bin", "index.html"}
	var gotPaths []string
	for _, e := range m.Files {
		gotPaths = append(gotPaths, e.Path)
	}
	if !slices.Equal(gotPaths, wantPaths) {
		t.Fatalf("manifest paths = %v; want %v", gotPaths, wantPaths)
	}
	byPath := map[string]artifacts.File{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	for _, e := range m.Files {
		f := byPath[e.Path]
		if e.Digest != artifacts.DigestOf(f.Content) || e.Size != int64(len(f.Content)) || e.ContentType != artifacts.ContentTypeOf(e.Path) {
			t.Errorf("entry %+v does not describe %q", e, f.Path)
		}
	}
	tree, err := s.GetTree(ctx, d)
	if err != nil {
		t.Fatalf("GetTree: %v", err)
	}
	for i, f := range tree {
		if f.Path != wantPaths[i] || !bytes.Equal(f.Content, byPath[f.Path].Content) {
			t.Errorf("tree file %d = %q %q", i, f.Path, f.Content)
		}
	}
}

func TestTreeDigestIsCanonical(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	other, _ := newStore(t)
	files := sampleFiles()
	reversed := slices.Clone(files)
	slices.Reverse(reversed)
	d1, err := s.PutTree(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		store *artifacts.FS
		files []artifacts.File
	}{
		{"same order again", s, files},
		{"reversed order", s, reversed},
		{"other store", other, reversed},
	}
	want, err := s.GetBlob(ctx, d1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d2, err := tc.store.PutTree(ctx, tc.files)
			if err != nil || d2 != d1 {
				t.Fatalf("PutTree = %q, %v; want %q", d2, err, d1)
			}
			got, err := tc.store.GetBlob(ctx, d2)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("manifest bytes differ:\n%s\n%s", got, want)
			}
		})
	}
	changed := slices.Clone(files)
	changed[0].Content = []byte("changed")
	if d3, err := s.PutTree(ctx, changed); err != nil || d3 == d1 {
		t.Fatalf("changed tree digest = %q, %v; want a new digest", d3, err)
	}
}

func TestPutTreeRejectsBadPaths(t *testing.T) {
	ctx := context.Background()
	s, root := newStore(t)
	tests := []struct {
		name string
		path string
	}{
		{"empty", ""},
		{"absolute", "/etc/passwd"},
		{"parent", "../escape.html"},
		{"inner parent", "a/../../b.html"},
		{"trailing parent", "a/.."},
		{"dot", "./a.html"},
		{"backslash", `a\b.html`},
		{"empty segment", "a//b.html"},
		{"trailing slash", "dir/"},
		{"control character", "a\x00.html"},
		{"duplicate", "index.html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := []artifacts.File{{Path: "index.html", Content: []byte("x")}, {Path: tc.path, Content: []byte("y")}}
			_, err := s.PutTree(ctx, files)
			if !errors.Is(err, artifacts.ErrInvalidPath) {
				t.Fatalf("PutTree(%q) error = %v; want ErrInvalidPath", tc.path, err)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tc.path)) {
				t.Fatalf("error %q does not name the path %q", err, tc.path)
			}
		})
	}
	// Nothing was stored for a rejected tree.
	entries, err := os.ReadDir(root + "/sha256")
	if err != nil || len(entries) != 0 {
		t.Fatalf("rejected trees left %d blobs (%v)", len(entries), err)
	}
}

func TestGetManifestRejectsNonManifests(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	tests := []struct {
		name string
		blob string
	}{
		{"html", "<!doctype html>"},
		{"other json", `{"name":"x"}`},
		{"null files", `{"files":null}`},
		{"unsorted", `{"files":[{"path":"b","digest":"` + artifacts.DigestOf(nil) + `","size":0,"contentType":"x"},{"path":"a","digest":"` + artifacts.DigestOf(nil) + `","size":0,"contentType":"x"}]}`},
		{"traversal entry", `{"files":[{"path":"../x","digest":"` + artifacts.DigestOf(nil) + `","size":0,"contentType":"x"}]}`},
		{"bad entry digest", `{"files":[{"path":"a","digest":"sha256:zz","size":0,"contentType":"x"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.PutBlob(ctx, []byte(tc.blob))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetManifest(ctx, d); !errors.Is(err, artifacts.ErrInvalidManifest) {
				t.Fatalf("GetManifest error = %v; want ErrInvalidManifest", err)
			}
		})
	}
}

func TestGetTreeMissingFile(t *testing.T) {
	ctx := context.Background()
	s, root := newStore(t)
	d, err := s.PutTree(ctx, []artifacts.File{{Path: "index.html", Content: []byte("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blobFile(t, root, artifacts.DigestOf([]byte("hi")))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTree(ctx, d); !errors.Is(err, artifacts.ErrNotFound) {
		t.Fatalf("GetTree with a missing file: error = %v; want ErrNotFound", err)
	}
}

func TestContentTypeOf(t *testing.T) {
	tests := map[string]string{
		"index.html":        "text/html; charset=utf-8",
		"a/b/STYLE.CSS":     "text/css; charset=utf-8",
		"app.js":            "text/javascript; charset=utf-8",
		"data.json":         "application/json",
		"logo.svg":          "image/svg+xml",
		"p.png":             "image/png",
		"p.jpg":             "image/jpeg",
		"p.jpeg":            "image/jpeg",
		"p.gif":             "image/gif",
		"p.webp":            "image/webp",
		"favicon.ico":       "image/x-icon",
		"robots.txt":        "text/plain; charset=utf-8",
		"f.woff2":           "font/woff2",
		"app.js.map":        "application/json",
		"Makefile":          "application/octet-stream",
		"archive.tar.gz":    "application/octet-stream",
		"html":              "application/octet-stream",
		"dir.html/file.exe": "application/octet-stream",
	}
	for p, want := range tests {
		t.Run(p, func(t *testing.T) {
			if got := artifacts.ContentTypeOf(p); got != want {
				t.Fatalf("ContentTypeOf(%q) = %q; want %q", p, got, want)
			}
		})
	}
}
