package models_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/forgeai/platform/models"
)

func TestSlugify(t *testing.T) {
	wellFormed := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	cases := []struct {
		name, want string // want "" checks only the shape of the slug
	}{
		{"Patient Intake!", "patient-intake"},
		{"patient-intake", "patient-intake"},
		{"  Loan   Application -- Portal  ", "loan-application-portal"},
		{"KYC 2.0 (EU)", "kyc-2-0-eu"},
		{"snake_case_name", "snake-case-name"},
		{"Café Crème", ""},
		{"日本語のアプリ", "app"},
		{"Ärzte Portal", ""},
		{"", "app"},
		{"   ", "app"},
		{"!!!---???", "app"},
		{"_", "app"},
		{strings.Repeat("a", 100), strings.Repeat("a", 48)},
		{strings.Repeat("a", 47) + " tail", strings.Repeat("a", 47)}, // no dash left at the cut
		{strings.Repeat("ab ", 30), strings.TrimSuffix(strings.Repeat("ab-", 16), "-")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := models.Slugify(tc.name)
			if tc.want != "" && got != tc.want {
				t.Errorf("Slugify(%q) = %q, want %q", tc.name, got, tc.want)
			}
			if len(got) > 48 || !wellFormed.MatchString(got) {
				t.Errorf("Slugify(%q) = %q: want 1–48 chars of [a-z0-9] joined by single dashes", tc.name, got)
			}
		})
	}
}
