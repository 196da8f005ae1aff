package catalog_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
)

// loadCatalog loads the built-in catalog or stops the test.
func loadCatalog(t *testing.T) []catalog.Template {
	t.Helper()
	templates, err := catalog.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return templates
}

func TestLoadCatalogShape(t *testing.T) {
	templates := loadCatalog(t)
	if len(templates) < 12 {
		t.Fatalf("Load returned %d templates, want at least 12", len(templates))
	}
	perIndustry := map[string]int{}
	seen := map[string]bool{}
	for i, tpl := range templates {
		if seen[tpl.Slug] {
			t.Errorf("duplicate slug %q", tpl.Slug)
		}
		seen[tpl.Slug] = true
		if i > 0 && templates[i-1].Slug >= tpl.Slug {
			t.Errorf("templates not sorted by slug: %q before %q", templates[i-1].Slug, tpl.Slug)
		}
		perIndustry[tpl.Industry]++
	}
	for _, industry := range catalog.Industries() {
		if perIndustry[industry] != 4 {
			t.Errorf("industry %q has %d templates, want 4", industry, perIndustry[industry])
		}
	}
	if len(perIndustry) != len(catalog.Industries()) {
		t.Errorf("templates span industries %v, want exactly %v", perIndustry, catalog.Industries())
	}
}

func TestLoadTemplateMetadata(t *testing.T) {
	sentenceEnd := regexp.MustCompile(`[.!?](\s|$)`)
	for _, tpl := range loadCatalog(t) {
		t.Run(tpl.Slug, func(t *testing.T) {
			if tpl.Name == "" || tpl.Category == "" {
				t.Errorf("name %q, category %q: want both set", tpl.Name, tpl.Category)
			}
			if n := len(sentenceEnd.FindAllString(tpl.Description, -1)); n < 2 || n > 4 {
				t.Errorf("description has %d sentences, want 2 to 4: %q", n, tpl.Description)
			}
			if !slices.Contains(catalog.Complexities(), tpl.Complexity) {
				t.Errorf("complexity %q unknown", tpl.Complexity)
			}
			if len(tpl.Compliance) == 0 {
				t.Error("no compliance tags")
			}
			for _, tag := range tpl.Compliance {
				if !slices.Contains(catalog.ComplianceTags(), tag) {
					t.Errorf("compliance tag %q unknown", tag)
				}
			}
			if n := len(tpl.Features); n < 3 || n > 6 {
				t.Errorf("%d features, want 3 to 6", n)
			}
			r := tpl.ROI
			if r.TimeToValueWeeks <= 0 || r.PaybackMonths <= 0 || r.AnnualSavingsUSD <= 0 ||
				r.CostReductionPercent <= 0 || r.CostReductionPercent > 100 || r.Summary == "" {
				t.Errorf("implausible ROI %+v", r)
			}
			if len(tpl.Digest) != 64 {
				t.Errorf("digest %q is not hex sha256", tpl.Digest)
			}
		})
	}
}

// schemaDoc is the part of a configuration schema the catalog conventions govern.
type schemaDoc struct {
	Schema               string                    `json:"$schema"`
	Type                 string                    `json:"type"`
	AdditionalProperties *bool                     `json:"additionalProperties"`
	Required             []string                  `json:"required"`
	Properties           map[string]map[string]any `json:"properties"`
}

func TestLoadSchemaConventions(t *testing.T) {
	for _, tpl := range loadCatalog(t) {
		t.Run(tpl.Slug, func(t *testing.T) {
			var doc schemaDoc
			if err := json.Unmarshal(tpl.Schema, &doc); err != nil {
				t.Fatalf("schema.json: %v", err)
			}
			if doc.Schema != "https://json-schema.org/draft/2020-12/schema" || doc.Type != "object" {
				t.Errorf("$schema %q, type %q: want draft 2020-12 object", doc.Schema, doc.Type)
			}
			if doc.AdditionalProperties == nil || *doc.AdditionalProperties {
				t.Error("root must set additionalProperties: false")
			}
			if !slices.Contains(doc.Required, "appName") {
				t.Errorf("required %v does not list appName", doc.Required)
			}
			for name, prop := range doc.Properties {
				for _, key := range []string{"title", "description", "type"} {
					if s, _ := prop[key].(string); s == "" {
						t.Errorf("property %q has no %s", name, key)
					}
				}
				if _, ok := prop["default"]; !ok {
					t.Errorf("property %q has no default", name)
				}
			}
			app, color := doc.Properties["appName"], doc.Properties["primaryColor"]
			if app["type"] != "string" || app["minLength"] != 1.0 || app["maxLength"] != 80.0 {
				t.Errorf("appName = %v, want string of 1 to 80 characters", app)
			}
			if color["type"] != "string" || color["pattern"] != "^#[0-9a-fA-F]{6}$" {
				t.Errorf("primaryColor = %v, want #RRGGBB pattern", color)
			}
			if n := len(doc.Properties) - 2; n < 2 || n > 5 {
				t.Errorf("%d template-specific properties, want 2 to 5", n)
			}
			s, err := catalog.CompileSchema(tpl.Schema)
			if err != nil {
				t.Fatalf("CompileSchema: %v", err)
			}
			if errs := s.Validate(s.ApplyDefaults(nil)); errs != nil {
				t.Errorf("defaults do not validate: %v", errs)
			}
		})
	}
}

func TestIndustriesAndComplianceTags(t *testing.T) {
	if got, want := strings.Join(catalog.Industries(), ","), "healthcare,finance,ecommerce"; got != want {
		t.Errorf("Industries() = %s, want %s", got, want)
	}
	for _, tag := range []string{"HIPAA", "SOC2", "PCI-DSS", "GDPR", "ISO27001", "CCPA"} {
		if !slices.Contains(catalog.ComplianceTags(), tag) {
			t.Errorf("ComplianceTags() lacks %s", tag)
		}
	}
	catalog.Industries()[0] = "mutated"
	if catalog.Industries()[0] != "healthcare" {
		t.Error("Industries() shares its slice with callers")
	}
}
