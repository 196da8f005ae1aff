package catalog_test

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/forgeai/platform/catalog"
)

// templateFS copies one built-in template directory into a writable FS.
func templateFS(t *testing.T, slug string) fstest.MapFS {
	t.Helper()
	src := os.DirFS("templates")
	out := fstest.MapFS{}
	err := fs.WalkDir(src, slug, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		out[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatalf("copy template %s: %v", slug, err)
	}
	return out
}

// replaceIn edits a file of fsys; the text to replace must occur in it.
func replaceIn(t *testing.T, fsys fstest.MapFS, path, old, replacement string) {
	t.Helper()
	f, ok := fsys[path]
	if !ok || !strings.Contains(string(f.Data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	f.Data = []byte(strings.Replace(string(f.Data), old, replacement, 1))
}

func TestLoadFSMatchesEmbedded(t *testing.T) {
	fromDisk, err := catalog.LoadFS(os.DirFS("templates"))
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	embedded := loadCatalog(t)
	if len(fromDisk) != len(embedded) {
		t.Fatalf("LoadFS found %d templates, Load %d", len(fromDisk), len(embedded))
	}
	for i := range embedded {
		// The built-in catalog adds the shared base.css to every scaffold.
		own := slices.DeleteFunc(slices.Clone(embedded[i].Scaffold), func(f catalog.File) bool { return f.Path == "base.css" })
		if len(own) != len(embedded[i].Scaffold)-1 {
			t.Errorf("%s: the shared base.css is missing", embedded[i].Slug)
		}
		same := len(own) == len(fromDisk[i].Scaffold) && string(fromDisk[i].Schema) == string(embedded[i].Schema)
		for j := 0; same && j < len(own); j++ {
			same = own[j].Path == fromDisk[i].Scaffold[j].Path && string(own[j].Content) == string(fromDisk[i].Scaffold[j].Content)
		}
		if !same {
			t.Errorf("%s: embedded copy differs from the files on disk", embedded[i].Slug)
		}
	}
}

func TestLoadFSRejects(t *testing.T) {
	const slug = "patient-intake"
	meta, schema := slug+"/template.json", slug+"/schema.json"
	tests := []struct {
		name    string
		mutate  func(fstest.MapFS)
		wantErr error
	}{
		{"unknown industry", func(m fstest.MapFS) { replaceIn(t, m, meta, `"healthcare"`, `"retail"`) }, catalog.ErrInvalidTemplate},
		{"unknown compliance tag", func(m fstest.MapFS) { replaceIn(t, m, meta, `"HIPAA"`, `"FERPA"`) }, catalog.ErrInvalidTemplate},
		{"unknown complexity", func(m fstest.MapFS) { replaceIn(t, m, meta, `"complexity": "low"`, `"complexity": "easy"`) }, catalog.ErrInvalidTemplate},
		{"slug differs from directory", func(m fstest.MapFS) { replaceIn(t, m, meta, `"slug": "patient-intake"`, `"slug": "intake"`) }, catalog.ErrInvalidTemplate},
		{"unknown metadata field", func(m fstest.MapFS) { replaceIn(t, m, meta, `"category"`, `"owner": "x", "category"`) }, catalog.ErrInvalidTemplate},
		{"no metadata", func(m fstest.MapFS) { delete(m, meta) }, catalog.ErrInvalidTemplate},
		{"no schema", func(m fstest.MapFS) { delete(m, schema) }, catalog.ErrInvalidTemplate},
		{"schema does not compile", func(m fstest.MapFS) { replaceIn(t, m, schema, `"type": "boolean"`, `"type": "bool"`) }, catalog.ErrInvalidSchema},
		{"default breaks schema", func(m fstest.MapFS) { replaceIn(t, m, schema, `"default": "#0F766E"`, `"default": "teal"`) }, catalog.ErrInvalidSchema},
		{"no scaffold", func(m fstest.MapFS) {
			for p := range m {
				if strings.HasPrefix(p, slug+"/scaffold/") {
					delete(m, p)
				}
			}
		}, catalog.ErrInvalidTemplate},
		{"no index.html", func(m fstest.MapFS) { delete(m, slug+"/scaffold/index.html") }, catalog.ErrInvalidTemplate},
		{"binary scaffold file", func(m fstest.MapFS) { m[slug+"/scaffold/logo.bin"] = &fstest.MapFile{Data: []byte{0xff, 0xfe}} }, catalog.ErrInvalidTemplate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := templateFS(t, slug)
			tt.mutate(fsys)
			_, err := catalog.LoadFS(fsys)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("LoadFS error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
