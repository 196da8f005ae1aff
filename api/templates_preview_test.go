package api_test

import (
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// The detail names the template's preview on the apps host, on an origin of
// its own (t--<slug>.<apps domain>); the list does not.
func TestTemplateDetailHasPreviewURL(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	var detail struct {
		Slug       string `json:"slug"`
		PreviewURL string `json:"previewUrl"`
	}
	h.do("GET", "/api/templates/patient-intake", "", nil).expect(t, 200).data(t, &detail)
	if detail.PreviewURL != "http://t--patient-intake.apps.test/" {
		t.Fatalf("previewUrl %q", detail.PreviewURL)
	}
	var list []map[string]any
	h.do("GET", "/api/templates", "", nil).expect(t, 200).data(t, &list)
	if _, has := list[0]["previewUrl"]; has {
		t.Fatalf("list items carry previewUrl: %v", list[0])
	}
}
