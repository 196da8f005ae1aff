package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TemplateRating is one user's 1–5 star rating of a template.
type TemplateRating struct {
	UserID     string `gorm:"primaryKey"`
	TemplateID string `gorm:"primaryKey"`
	Stars      int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TemplateFavorite marks a template as one of a user's favourites.
type TemplateFavorite struct {
	UserID     string `gorm:"primaryKey"`
	TemplateID string `gorm:"primaryKey"`
	CreatedAt  time.Time
}

// RateTemplate sets the user's rating of a published template (one per user)
// and recomputes the template's average and count from the ratings table, in
// one transaction with the template row locked so concurrent ratings never
// lose an update.
func (s *Store) RateTemplate(ctx context.Context, userID, templateID string, stars int) (Template, error) {
	defer s.templatesChanged() // rating_avg and rating_count
	var t Template
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		if err := lockRow(tx, s.dialect).Select("id").Where("id = ? AND status = ?", templateID, TemplatePublished).Take(&t).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		r := TemplateRating{UserID: userID, TemplateID: templateID, Stars: stars, CreatedAt: now, UpdatedAt: now}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "user_id"}, {Name: "template_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"stars", "updated_at"}),
		}).Create(&r).Error
		if err != nil {
			return err
		}
		var agg struct {
			Avg   float64
			Count int
		}
		if err := tx.Model(&TemplateRating{}).Select("COALESCE(AVG(stars), 0) AS avg, COUNT(*) AS count").
			Where("template_id = ?", templateID).Scan(&agg).Error; err != nil {
			return err
		}
		if err := tx.Model(&Template{}).Where("id = ?", templateID).
			Updates(map[string]any{"rating_avg": agg.Avg, "rating_count": agg.Count}).Error; err != nil {
			return err
		}
		return tx.Select(listColumns).Where("id = ?", templateID).Take(&t).Error
	})
	return t, translate("rate template", err)
}

// SetFavorite adds (on) or removes (off) a published template from the user's
// favourites. Both are idempotent.
func (s *Store) SetFavorite(ctx context.Context, userID, templateID string, on bool) error {
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		var t Template
		if err := tx.Select("id").Where("id = ? AND status = ?", templateID, TemplatePublished).Take(&t).Error; err != nil {
			return err
		}
		if !on {
			return tx.Where("user_id = ? AND template_id = ?", userID, templateID).Delete(&TemplateFavorite{}).Error
		}
		f := TemplateFavorite{UserID: userID, TemplateID: templateID, CreatedAt: time.Now().UTC()}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&f).Error
	})
	return translate("set favorite", err)
}
