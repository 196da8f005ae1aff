package api_test

import (
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
)

// kpisOut mirrors GET /api/analytics/kpis.
type kpisOut struct {
	At          time.Time `json:"at"`
	ActiveUsers struct {
		LastDay    *int `json:"lastDay"`
		Last7Days  *int `json:"last7Days"`
		Last30Days *int `json:"last30Days"`
	} `json:"activeUsers"`
	DeploymentsPerDay []struct {
		Day   string `json:"day"`
		Count int    `json:"count"`
	} `json:"deploymentsPerDay"`
	Deployments struct {
		Finished              *int     `json:"finished"`
		SuccessRate           *float64 `json:"successRate"`
		MedianDurationSeconds *float64 `json:"medianDurationSeconds"`
	} `json:"deployments"`
	Onboarding struct {
		Users          int      `json:"users"`
		Completed      int      `json:"completed"`
		CompletionRate *float64 `json:"completionRate"`
	} `json:"onboarding"`
	TopTemplatesByUsage []struct {
		Slug       string `json:"slug"`
		UsageCount int    `json:"usageCount"`
	} `json:"topTemplatesByUsage"`
	TopTemplatesByRating []struct {
		Slug string `json:"slug"`
	} `json:"topTemplatesByRating"`
	PendingApprovals struct {
		Count            int      `json:"count"`
		OldestAgeSeconds *float64 `json:"oldestAgeSeconds"`
		MedianAgeSeconds *float64 `json:"medianAgeSeconds"`
	} `json:"pendingApprovals"`
}

// An admin reads the KPIs; a business user is refused and an anonymous
// caller must sign in.
func TestAnalyticsKPIs(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		admin, _, _ := h.login("admin@example.com")
		business, _, _ := h.login("business@example.com")
		tpl := h.templateBySlug("patient-intake")
		var p projectOut
		h.do("POST", "/api/projects", business, map[string]any{"name": "Riverside", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
		h.do("POST", "/api/projects/"+p.ID+"/deployments", business, nil).expect(t, 202) // waits for approval

		var k kpisOut
		h.do("GET", "/api/analytics/kpis", admin, nil).expect(t, 200).data(t, &k)
		if k.ActiveUsers.LastDay == nil || *k.ActiveUsers.LastDay != 2 || *k.ActiveUsers.Last7Days != 2 || *k.ActiveUsers.Last30Days != 2 {
			t.Errorf("active users = %+v, want 2 in every window", k.ActiveUsers)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		if n := len(k.DeploymentsPerDay); n != 30 || k.DeploymentsPerDay[n-1].Day != today || k.DeploymentsPerDay[n-1].Count != 1 {
			t.Errorf("deployments per day = %+v, want 30 days ending %s with 1", k.DeploymentsPerDay, today)
		}
		if k.Deployments.Finished == nil || *k.Deployments.Finished != 0 || k.Deployments.SuccessRate != nil || k.Deployments.MedianDurationSeconds != nil {
			t.Errorf("deployments = %+v, want none finished, null rate and duration", k.Deployments)
		}
		if k.Onboarding.Users != 2 || k.Onboarding.Completed != 0 || k.Onboarding.CompletionRate == nil || *k.Onboarding.CompletionRate != 0 {
			t.Errorf("onboarding = %+v, want 0 of 2", k.Onboarding)
		}
		if len(k.TopTemplatesByUsage) != 1 || k.TopTemplatesByUsage[0].Slug != "patient-intake" || k.TopTemplatesByUsage[0].UsageCount != 1 {
			t.Errorf("top templates by usage = %+v, want patient-intake once", k.TopTemplatesByUsage)
		}
		if k.TopTemplatesByRating == nil || len(k.TopTemplatesByRating) != 0 {
			t.Errorf("top templates by rating = %+v, want an empty list", k.TopTemplatesByRating)
		}
		if a := k.PendingApprovals; a.Count != 1 || a.OldestAgeSeconds == nil || a.MedianAgeSeconds == nil || *a.OldestAgeSeconds < 0 || *a.OldestAgeSeconds > 60 {
			t.Errorf("pending approvals = %+v, want 1 just requested", a)
		}

		h.do("GET", "/api/analytics/kpis", business, nil).expect(t, 403)
		h.do("GET", "/api/analytics/kpis", "", nil).expect(t, 401)
	})
}
