package catalog_test

import (
	"testing"
	"testing/fstest"

	"github.com/forgeai/platform/catalog"
)

func TestDigestStableAndDistinct(t *testing.T) {
	first, second := loadCatalog(t), loadCatalog(t)
	bySlug := map[string]string{}
	for i, tpl := range first {
		if tpl.Digest != second[i].Digest {
			t.Errorf("%s: digest changed between loads: %s vs %s", tpl.Slug, tpl.Digest, second[i].Digest)
		}
		for slug, d := range bySlug {
			if d == tpl.Digest {
				t.Errorf("%s and %s share digest %s", slug, tpl.Slug, d)
			}
		}
		bySlug[tpl.Slug] = tpl.Digest
	}
}

func TestDigestFollowsContent(t *testing.T) {
	const slug = "patient-intake"
	base := loadOne(t, templateFS(t, slug))
	tests := []struct {
		name   string
		mutate func(fstest.MapFS)
	}{
		{"metadata", func(m fstest.MapFS) {
			replaceIn(t, m, slug+"/template.json", `"complexity": "low"`, `"complexity": "medium"`)
		}},
		{"roi", func(m fstest.MapFS) {
			replaceIn(t, m, slug+"/template.json", `"paybackMonths": 4`, `"paybackMonths": 5`)
		}},
		{"schema", func(m fstest.MapFS) { replaceIn(t, m, slug+"/schema.json", `"Patient Intake"`, `"Patient Intake 2"`) }},
		{"scaffold content", func(m fstest.MapFS) { replaceIn(t, m, slug+"/scaffold/app.js", `"use strict";`, `'use strict';`) }},
		{"scaffold file added", func(m fstest.MapFS) {
			m[slug+"/scaffold/robots.txt"] = &fstest.MapFile{Data: []byte("User-agent: *\n")}
		}},
		{"scaffold file renamed", func(m fstest.MapFS) {
			m[slug+"/scaffold/main.js"] = m[slug+"/scaffold/app.js"]
			delete(m, slug+"/scaffold/app.js")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := templateFS(t, slug)
			tt.mutate(fsys)
			if changed := loadOne(t, fsys); changed.Digest == base.Digest {
				t.Errorf("digest did not change after editing the %s", tt.name)
			}
		})
	}
	if again := loadOne(t, templateFS(t, slug)); again.Digest != base.Digest {
		t.Error("digest of unchanged files differs")
	}
}

// loadOne loads a catalog holding exactly one template.
func loadOne(t *testing.T, fsys fstest.MapFS) catalog.Template {
	t.Helper()
	templates, err := catalog.LoadFS(fsys)
	if err != nil {
		t.Fatalf("LoadFS: %v", err)
	}
	if len(templates) != 1 {
		t.Fatalf("LoadFS returned %d templates, want 1", len(templates))
	}
	return templates[0]
}
