package ai_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/build"
)

const appName = "Zebra Clinic 42"

func loadCatalog(t *testing.T) []catalog.Template {
	t.Helper()
	templates, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	if len(templates) == 0 {
		t.Fatal("the catalog is empty")
	}
	return templates
}

func templateNamed(t *testing.T, slug string) catalog.Template {
	t.Helper()
	for _, tpl := range loadCatalog(t) {
		if tpl.Slug == slug {
			return tpl
		}
	}
	t.Fatalf("no template %q in the catalog", slug)
	return catalog.Template{}
}

// request builds what the GenerateSource activity sends: the template's
// scaffold and cfg with the schema's defaults filled in.
func request(t *testing.T, tpl catalog.Template, cfg map[string]any) ai.GenerateRequest {
	t.Helper()
	sch, err := catalog.CompileSchema(tpl.Schema)
	if err != nil {
		t.Fatalf("CompileSchema(%s): %v", tpl.Slug, err)
	}
	config := sch.ApplyDefaults(cfg)
	if errs := sch.Validate(config); errs != nil {
		t.Fatalf("test configuration does not validate: %v", errs)
	}
	scaffold := make([]ai.File, len(tpl.Scaffold))
	for i, f := range tpl.Scaffold {
		scaffold[i] = ai.File{Path: f.Path, Content: f.Content}
	}
	return ai.GenerateRequest{
		ProjectName: "Zebra Project", ProjectSlug: "zebra-project", TemplateName: tpl.Name, TemplateSlug: tpl.Slug,
		Scaffold: scaffold, Configuration: config,
	}
}

func generate(t *testing.T, req ai.GenerateRequest) ai.Generation {
	t.Helper()
	gen, err := ai.NewOffline().GenerateSource(context.Background(), req)
	if err != nil {
		t.Fatalf("GenerateSource: %v", err)
	}
	return gen
}

func fileNamed(t *testing.T, files []ai.File, path string) string {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return string(f.Content)
		}
	}
	t.Fatalf("no %s generated", path)
	return ""
}

func toBuild(files []ai.File) []build.File {
	out := make([]build.File, len(files))
	for i, f := range files {
		out[i] = build.File{Path: f.Path, Content: f.Content}
	}
	return out
}

func TestEveryTemplateGeneratesABuildableApp(t *testing.T) {
	for _, tpl := range loadCatalog(t) {
		for name, cfg := range map[string]map[string]any{
			"defaults":       {},
			"configuredName": {"appName": appName},
		} {
			t.Run(tpl.Slug+"/"+name, func(t *testing.T) {
				req := request(t, tpl, cfg)
				gen := generate(t, req)
				if gen.Provider != "offline" || gen.Model != "offline" || !strings.Contains(gen.Notes, "offline") {
					t.Errorf("labelled %q/%q (%q), want offline everywhere", gen.Provider, gen.Model, gen.Notes)
				}
				if err := build.Validate(toBuild(gen.Files), build.DefaultLimits()); err != nil {
					t.Fatalf("generated app does not pass the build: %v", err)
				}
				if !slices.IsSortedFunc(gen.Files, func(a, b ai.File) int { return strings.Compare(a.Path, b.Path) }) {
					t.Error("files are not in path order")
				}
				again := generate(t, req)
				if !slices.EqualFunc(gen.Files, again.Files, func(a, b ai.File) bool {
					return a.Path == b.Path && bytes.Equal(a.Content, b.Content)
				}) {
					t.Fatal("two runs over the same request differ")
				}
				want := req.Configuration["appName"].(string)
				if index := fileNamed(t, gen.Files, "index.html"); !strings.Contains(index, "<title>"+want+"</title>") {
					t.Errorf("index.html does not show appName %q in its title", want)
				}
			})
		}
	}
}

func TestConfigurationReachesTheApp(t *testing.T) {
	intake := templateNamed(t, "patient-intake")
	const hostile = "<script>alert(1)</script>"
	tests := []struct {
		name string
		cfg  map[string]any
		file string
		want []string // substrings the file must contain
	}{
		{"custom field in the form", map[string]any{"fields": []any{
			map[string]any{"name": "colour", "label": "Favourite Colour", "type": "text", "required": true},
		}}, "index.html", []string{`<label for="f-colour">Favourite Colour`, `name="colour"`}},
		{"custom field in the script", map[string]any{"fields": []any{
			map[string]any{"name": "colour", "label": "Favourite Colour", "type": "text"},
		}}, "app.js", []string{`label: "Favourite Colour"`}},
		{"markup escaped in html", map[string]any{"appName": hostile}, "index.html", []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{"markup escaped in js", map[string]any{"appName": hostile}, "app.js", []string{`const APP_NAME = "\u003cscript\u003ealert(1)\u003c/script\u003e";`}},
		{"colour in styles", map[string]any{"primaryColor": "#123ABC"}, "base.css", []string{"--primary: #123ABC;"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gen := generate(t, request(t, intake, tc.cfg))
			got := fileNamed(t, gen.Files, tc.file)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s lacks %q", tc.file, want)
				}
			}
			for _, f := range gen.Files {
				if bytes.Contains(f.Content, []byte(hostile)) {
					t.Errorf("%s contains the configured markup unescaped", f.Path)
				}
			}
			if err := build.Validate(toBuild(gen.Files), build.DefaultLimits()); err != nil {
				t.Errorf("generated app does not pass the build: %v", err)
			}
		})
	}
}

func TestPlatformJSONRecordsTheGeneration(t *testing.T) {
	req := request(t, templateNamed(t, "patient-intake"), map[string]any{"appName": appName})
	req.Instructions = []string{"Make the header <b>bold</b> & friendly"}
	gen := generate(t, req)
	raw := fileNamed(t, gen.Files, "platform.json")
	if strings.Contains(raw, "<b>") {
		t.Error("platform.json holds raw markup; instructions must be HTML-escaped")
	}
	var meta struct {
		Project             struct{ Name, Slug string }
		Template            string
		Provider, Model     string
		ConfigurationSha256 string
		Instructions        []string
	}
	if err := json.Unmarshal([]byte(raw), &meta); err != nil {
		t.Fatalf("platform.json: %v", err)
	}
	if meta.Project.Name != "Zebra Project" || meta.Project.Slug != "zebra-project" || meta.Template != "patient-intake" ||
		meta.Provider != "offline" || meta.Model != "offline" || len(meta.ConfigurationSha256) != 64 {
		t.Errorf("platform.json = %+v", meta)
	}
	if !slices.Equal(meta.Instructions, req.Instructions) {
		t.Errorf("instructions = %q, want them verbatim", meta.Instructions)
	}
	if !strings.Contains(gen.Notes, "not applied") {
		t.Errorf("notes %q do not say the instructions were not applied", gen.Notes)
	}
	for _, f := range gen.Files {
		if f.Path != "platform.json" && strings.Contains(string(f.Content), "bold") {
			t.Errorf("%s follows a free-text instruction; the offline provider must not", f.Path)
		}
	}
	req.Configuration = map[string]any{"appName": "Another"}
	other := fileNamed(t, generate(t, req).Files, "platform.json")
	if other == raw {
		t.Error("a different configuration gives the same configurationSha256")
	}
}

func TestInvalidScaffoldIsInvalidInputNamingTheFile(t *testing.T) {
	index := ai.File{Path: "index.html", Content: []byte("<!doctype html><title>x</title>")}
	tests := []struct {
		name     string
		scaffold []ai.File
		file     string
	}{
		{"does not parse", []ai.File{index, {Path: "app.js", Content: []byte("{{.Config.x")}}, "app.js"},
		{"does not execute", []ai.File{index, {Path: "styles.css", Content: []byte("{{index .Config.x 5}}")}}, "styles.css"},
		{"unknown function", []ai.File{index, {Path: "data.json", Content: []byte("{{nope}}")}}, "data.json"},
		{"escapes the tree", []ai.File{index, {Path: "../evil.js"}}, "../evil.js"},
		{"absolute path", []ai.File{index, {Path: "/etc/x.js"}}, "/etc/x.js"},
		{"unclean path", []ai.File{index, {Path: "a//b.js"}}, "a//b.js"},
		{"duplicate", []ai.File{index, {Path: "INDEX.html"}}, "INDEX.html"},
		{"reserved name", []ai.File{index, {Path: "platform.json"}}, "platform.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ai.NewOffline().GenerateSource(context.Background(), ai.GenerateRequest{Scaffold: tc.scaffold})
			if !errors.Is(err, ai.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name %s", err, tc.file)
			}
		})
	}
}

func TestCancelledContextStopsGeneration(t *testing.T) {
	req := request(t, templateNamed(t, "patient-intake"), map[string]any{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ai.NewOffline().GenerateSource(ctx, req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errors.Is(err, ai.ErrInvalidInput) {
		t.Error("cancellation must stay retryable, not ErrInvalidInput")
	}
}
