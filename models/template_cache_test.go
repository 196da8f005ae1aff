package models_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// Every change the store makes to templates moves the templates version
// once its transaction has ended, so the API's template cache on this
// instance never answers what was read before it.
func TestTemplatesVersionMovesWithEveryChange(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		owner := newUser(t, s, "owner@example.com")
		items, _, err := s.ListTemplates(ctx, models.TemplateFilter{Page: models.Page{Number: 1, Size: 1}})
		if err != nil || len(items) == 0 {
			t.Fatalf("ListTemplates: %v", err)
		}
		tpl := items[0]
		moves := func(what string, change func() error) {
			t.Helper()
			before, _ := s.TemplatesVersion()
			if err := change(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if after, _ := s.TemplatesVersion(); after == before {
				t.Fatalf("%s did not move the templates version", what)
			}
		}
		moves("a rating", func() error { _, err := s.RateTemplate(ctx, owner.ID, tpl.ID, 4); return err })
		moves("a project (usage count)", func() error {
			_, err := s.CreateProject(ctx, models.NewProject{OwnerID: owner.ID, TemplateID: tpl.ID, TemplateVersion: tpl.Version, Name: "Counted"})
			return err
		})
		var sub models.Template
		moves("a submission", func() error {
			var err error
			sub, err = s.CreateUserTemplate(ctx, models.Template{
				Slug: "claims-desk", Name: "Claims desk", Industry: "finance", Description: "A desk for insurance claims.",
				Complexity: "low", Compliance: models.NewJSON([]string{}), Features: models.NewJSON([]string{}), ROI: models.NewJSON(map[string]any{}),
				ConfigSchema:  models.NewJSON(json.RawMessage(`{"type": "object"}`)),
				Scaffold:      models.NewJSON([]models.ScaffoldFile{{Path: "index.html", Content: "<h1>Desk</h1>"}}),
				ContentDigest: "x", CreatedBy: &owner.ID,
			})
			return err
		})
		moves("a publication", func() error {
			a, err := s.CreateApproval(ctx, models.Approval{Type: models.ApprovalTypeTemplate, SubjectID: sub.ID, RequesterID: owner.ID,
				EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
				Payload: models.NewJSON(map[string]any{"templateId": sub.ID}), Deadline: time.Now().Add(time.Hour)})
			if err != nil {
				return err
			}
			return s.ApplyApproval(ctx, a.ID)
		})
		moves("an unpublication", func() error { _, err := s.UnpublishTemplate(ctx, sub.ID); return err })
		moves("a catalog sync", func() error {
			entries, err := catalog.Load()
			if err != nil {
				return err
			}
			entries[0].Description += " Revised."
			_, err = s.SyncCatalog(ctx, entries)
			return err
		})
	})
}

// Changes made behind the store's back (an operator with psql, another
// instance) reach it by NOTIFY from the templates trigger; until its
// listener runs, nothing read may be reused.
func TestTemplatesVersionHearsOtherWriters(t *testing.T) {
	if _, reuse := testdb.Open(t, config.Postgres).TemplatesVersion(); reuse {
		t.Fatal("a store without a listener says templates may be reused")
	}
	s, db, _ := cachedStore(t)
	eventually(t, "listening on templates", func() bool { _, reuse := s.TemplatesVersion(); return reuse })
	entries, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncCatalog(t.Context(), entries); err != nil {
		t.Fatal(err)
	}
	for _, change := range []string{
		`UPDATE templates SET usage_count = usage_count + 1 WHERE slug = '` + entries[0].Slug + `'`,
		`DELETE FROM templates WHERE slug = '` + entries[1].Slug + `'`,
	} {
		before, _ := s.TemplatesVersion()
		mustExec(t, db, change)
		eventually(t, change+" heard", func() bool {
			v, reuse := s.TemplatesVersion()
			return reuse && v != before
		})
	}
}
