package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/config"
)

// SyncReport counts what a catalog sync did.
type SyncReport struct {
	Created, Updated, Unchanged int
}

// SyncCatalog loads the built-in catalog into templates: new entries are
// created at version 1, an entry whose content digest changed is updated and
// its version bumped, an unchanged one is left alone, so running it on every
// start never duplicates. Ratings, usage and ids survive updates.
func (s *Store) SyncCatalog(ctx context.Context, entries []catalog.Template) (SyncReport, error) {
	defer s.templatesChanged()
	var rep SyncReport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == config.Postgres {
			// api and worker replicas may start together; one syncs at a time.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7243002)").Error; err != nil {
				return err
			}
		}
		for _, e := range entries {
			outcome, err := syncOne(tx, e)
			if err != nil {
				return fmt.Errorf("template %s: %w", e.Slug, err)
			}
			switch outcome {
			case "created":
				rep.Created++
			case "updated":
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return SyncReport{}, translate("sync catalog", err)
	}
	return rep, nil
}

func syncOne(tx *gorm.DB, e catalog.Template) (string, error) {
	want := fromCatalog(e)
	var have Template
	err := tx.Select("id", "content_digest", "version").Where("slug = ?", e.Slug).Take(&have).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		want.ID = newID()
		want.Version = 1
		return "created", tx.Create(&want).Error
	case err != nil:
		return "", err
	case have.ContentDigest == want.ContentDigest:
		return "unchanged", nil
	}
	want.ID = have.ID
	want.Version = have.Version + 1
	err = tx.Model(&Template{}).Where("id = ?", have.ID).Select(
		"name", "industry", "category", "description", "complexity", "compliance", "features", "roi",
		"config_schema", "scaffold", "content_digest", "version", "updated_at",
	).Updates(&want).Error
	return "updated", err
}

func fromCatalog(e catalog.Template) Template {
	files := make([]ScaffoldFile, len(e.Scaffold))
	for i, f := range e.Scaffold {
		files[i] = ScaffoldFile{Path: f.Path, Content: string(f.Content)}
	}
	roi := map[string]any{
		"timeToValueWeeks":     e.ROI.TimeToValueWeeks,
		"costReductionPercent": e.ROI.CostReductionPercent,
		"paybackMonths":        e.ROI.PaybackMonths,
		"annualSavingsUsd":     e.ROI.AnnualSavingsUSD,
		"summary":              e.ROI.Summary,
	}
	return Template{
		Slug: e.Slug, Name: e.Name, Industry: e.Industry, Category: e.Category,
		Description: e.Description, Complexity: e.Complexity,
		Compliance: NewJSON(e.Compliance), Features: NewJSON(e.Features), ROI: NewJSON(roi),
		ConfigSchema: NewJSON(e.Schema), Scaffold: NewJSON(files), ContentDigest: e.Digest,
		Status: TemplatePublished, Source: SourceBuiltin,
	}
}
