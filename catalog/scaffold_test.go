package catalog_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/scaffold"
)

// renderScaffold renders one scaffold file with the platform's renderer
// (internal/scaffold) over the configuration and template identity.
func renderScaffold(t *testing.T, tpl catalog.Template, f catalog.File, config map[string]any) string {
	t.Helper()
	data := map[string]any{
		"Config":   config,
		"Template": map[string]any{"Name": tpl.Name, "Slug": tpl.Slug},
	}
	out, err := scaffold.Render(t.Context(), []scaffold.File{{Path: f.Path, Content: f.Content}}, data, scaffold.DefaultLimits())
	if err != nil {
		t.Fatalf("render %s: %v", f.Path, err)
	}
	return string(out[0].Content)
}

var (
	// Anything that would make a published app load code or styles from
	// another origin, or that a strict Content-Security-Policy would block.
	remoteReference = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//|@import|url\(\s*["']?\s*(https?:)?//`)
	inlineScript    = regexp.MustCompile(`(?i)<script(\s[^>]*)?>\s*[^<\s]`)
	inlineHandler   = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	inlineStyle     = regexp.MustCompile(`(?i)<style|<[^>]+\sstyle\s*=`)
)

func TestScaffoldRendersWithDefaults(t *testing.T) {
	for _, tpl := range loadCatalog(t) {
		t.Run(tpl.Slug, func(t *testing.T) {
			s, err := catalog.CompileSchema(tpl.Schema)
			if err != nil {
				t.Fatalf("CompileSchema: %v", err)
			}
			defaults := s.ApplyDefaults(nil)
			rendered := map[string]string{}
			for _, f := range tpl.Scaffold {
				rendered[f.Path] = renderScaffold(t, tpl, f, defaults)
			}
			for _, path := range []string{"index.html", "base.css", "styles.css", "app.js"} {
				if _, ok := rendered[path]; !ok {
					t.Errorf("scaffold lacks %s", path)
				}
			}
			appName, _ := defaults["appName"].(string)
			if !strings.Contains(rendered["index.html"], "<title>"+appName+"</title>") {
				t.Errorf("index.html does not show the default appName %q in its title", appName)
			}
			if !strings.Contains(rendered["base.css"], defaults["primaryColor"].(string)) {
				t.Errorf("base.css does not use primaryColor")
			}
			for path, out := range rendered {
				for _, bad := range []string{"<no value>", "<nil>", "%!"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s renders %q: a placeholder has no value in the defaults", path, bad)
					}
				}
				if strings.Contains(out, "http://") || strings.Contains(out, "https://") || remoteReference.MatchString(out) {
					t.Errorf("%s references a remote URL", path)
				}
			}
			html := rendered["index.html"]
			if !strings.Contains(html, `<script src="app.js" defer></script>`) || !strings.Contains(html, `href="styles.css"`) || !strings.Contains(html, `href="base.css"`) {
				t.Error("index.html must load app.js, base.css and styles.css")
			}
			for name, re := range map[string]*regexp.Regexp{"inline script": inlineScript, "inline event handler": inlineHandler, "inline style": inlineStyle} {
				if loc := re.FindStringIndex(html); loc != nil {
					t.Errorf("index.html has an %s (blocked by the apps host CSP): %q", name, html[loc[0]:min(loc[1]+40, len(html))])
				}
			}
		})
	}
}

func TestScaffoldEscapesConfiguration(t *testing.T) {
	const hostile = `</title><script>alert("x")</script>`
	for _, tpl := range loadCatalog(t) {
		t.Run(tpl.Slug, func(t *testing.T) {
			s, err := catalog.CompileSchema(tpl.Schema)
			if err != nil {
				t.Fatalf("CompileSchema: %v", err)
			}
			config := s.ApplyDefaults(map[string]any{"appName": hostile})
			if errs := s.Validate(config); errs != nil {
				t.Fatalf("config with a markup-like name must be valid: %v", errs)
			}
			for _, f := range tpl.Scaffold {
				if out := renderScaffold(t, tpl, f, config); strings.Contains(out, "<script>alert") {
					t.Errorf("%s inserts appName unescaped", f.Path)
				}
			}
		})
	}
}
