package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AIUsage is a row of ai_usage: the AI tokens a user used on a UTC day.
type AIUsage struct {
	UserID    string `gorm:"primaryKey"`
	Day       string `gorm:"primaryKey"` // YYYY-MM-DD
	Tokens    int64
	UpdatedAt time.Time
}

// TableName is ai_usage (not GORM's a_i_usages).
func (AIUsage) TableName() string { return "ai_usage" }

func usageDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// AIUsage returns the tokens userID used on day's UTC date (0 if none).
func (s *Store) AIUsage(ctx context.Context, userID string, day time.Time) (int64, error) {
	var u AIUsage
	err := s.db.WithContext(ctx).Where("user_id = ? AND day = ?", userID, usageDay(day)).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil
	}
	return u.Tokens, translate("read ai usage", err)
}

// AddAIUsage adds tokens to userID's usage on day's UTC date, in one
// statement, so concurrent calls from any instance all count.
func (s *Store) AddAIUsage(ctx context.Context, userID string, day time.Time, tokens int64) error {
	if tokens <= 0 {
		return nil
	}
	row := AIUsage{UserID: userID, Day: usageDay(day), Tokens: tokens, UpdatedAt: time.Now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "user_id"}, {Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{
			"tokens":     gorm.Expr("ai_usage.tokens + excluded.tokens"),
			"updated_at": gorm.Expr("excluded.updated_at"),
		}),
	}).Create(&row).Error
	return translate("add ai usage", err)
}
