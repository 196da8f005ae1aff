package ai_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/build"
)

func request(t *testing.T, tpl catalog.Template, cfg map[string]any) ai.GenerateRequest {
	t.Helper()
	sch, err := catalog.CompileSchema(tpl.Schema)
	if err != nil {
		t.Fatal(err)
	}
	scaffold := make([]ai.File, len(tpl.Scaffold))
	for i, f := range tpl.Scaffold {
		scaffold[i] = ai.File{Path: f.Path, Content: f.Content}
	}
	return ai.GenerateRequest{
		ProjectName: "Zebra Project", ProjectSlug: "zebra-project", TemplateName: tpl.Name, TemplateSlug: tpl.Slug,
		Scaffold: scaffold, Configuration: sch.ApplyDefaults(cfg),
	}
}

func toBuild(files []ai.File) []build.File {
	out := make([]build.File, len(files))
	for i, f := range files {
		out[i] = build.File{Path: f.Path, Content: f.Content}
	}
	return out
}

func TestEveryTemplateGeneratesABuildableApp(t *testing.T) {
	templates, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := ai.NewOffline()
	for _, tpl := range templates {
		t.Run(tpl.Slug, func(t *testing.T) {
			req := request(t, tpl, map[string]any{"appName": "Zebra Clinic 42"})
			gen, err := p.GenerateSource(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if gen.Provider != "offline" || gen.Model != "offline" {
				t.Fatalf("labelled %s/%s", gen.Provider, gen.Model)
			}
			if err := build.Validate(toBuild(gen.Files), build.DefaultLimits()); err != nil {
				t.Fatalf("generated app does not build: %v", err)
			}
			again, err := p.GenerateSource(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			for i := range gen.Files {
				if gen.Files[i].Path != again.Files[i].Path || !bytes.Equal(gen.Files[i].Content, again.Files[i].Content) {
					t.Fatalf("%s differs between runs", gen.Files[i].Path)
				}
			}
			index := fileNamed(t, gen.Files, "index.html")
			if !strings.Contains(string(index), "Zebra Clinic 42") {
				t.Fatal("index.html lacks the configured app name")
			}
		})
	}
}

func fileNamed(t *testing.T, files []ai.File, path string) []byte {
	t.Helper()
	for _, f := range files {
		if f.Path == path {
			return f.Content
		}
	}
	t.Fatalf("no %s generated", path)
	return nil
}

func TestConfiguredFieldsAndEscaping(t *testing.T) {
	templates, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	var intake catalog.Template
	for _, tpl := range templates {
		if tpl.Slug == "patient-intake" {
			intake = tpl
		}
	}
	cfg := map[string]any{
		"appName": "<script>alert(1)</script>",
		"fields":  []any{map[string]any{"name": "colour", "label": "Favourite Colour", "type": "text", "required": true}},
	}
	gen, err := ai.NewOffline().GenerateSource(context.Background(), request(t, intake, cfg))
	if err != nil {
		t.Fatal(err)
	}
	index := string(fileNamed(t, gen.Files, "index.html"))
	if !strings.Contains(index, "Favourite Colour") {
		t.Fatal("configured field missing from the form")
	}
	if strings.Contains(index, "<script>alert(1)</script>") || !strings.Contains(index, "&lt;script&gt;") {
		t.Fatal("markup in the configuration is not escaped")
	}
}

func TestBrokenScaffoldIsInvalidInputNamingTheFile(t *testing.T) {
	req := ai.GenerateRequest{Scaffold: []ai.File{{Path: "index.html", Content: []byte("{{.Config.x")}}}
	_, err := ai.NewOffline().GenerateSource(context.Background(), req)
	if !errors.Is(err, ai.ErrInvalidInput) || !strings.Contains(err.Error(), "index.html") {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req.Scaffold[0].Content = []byte("ok")
	if _, err := ai.NewOffline().GenerateSource(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
