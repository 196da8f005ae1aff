package e2e_test

import (
	"testing"
	"time"
)

// TestOnboardingThroughTheAPI: a new user's onboarding starts at first
// login; steps are validated in order; choosing technical_user opens a role
// approval; the industry brings recommendations; the first project completes it.
func TestOnboardingThroughTheAPI(t *testing.T) {
	s := newStack(t)
	s.worker("platform")
	s.login("admin@example.com")
	user := s.login("new@example.com")

	user.call("POST", "/api/onboarding/steps/industry", map[string]string{"value": "finance"}, 409, nil)
	user.call("POST", "/api/onboarding/steps/role", map[string]string{"value": "wizard"}, 400, nil)
	user.call("POST", "/api/onboarding/steps/role", map[string]string{"value": "technical_user"}, 200, nil)
	var st struct {
		Industry        string
		RoleApprovalID  string
		Recommendations []struct{ Slug, Why string }
		Completed       bool
	}
	user.call("POST", "/api/onboarding/steps/industry", map[string]string{"value": "finance"}, 200, &st)
	if st.RoleApprovalID == "" || len(st.Recommendations) == 0 || st.Recommendations[0].Why == "" {
		t.Fatalf("after industry: %+v", st)
	}
	var mine []struct{ ID, Type string }
	user.call("GET", "/api/approvals?mine=requested", nil, 200, &mine)
	if len(mine) != 1 || mine[0].Type != "user_role_change" {
		t.Fatalf("role approval from onboarding: %+v", mine)
	}
	user.call("POST", "/api/onboarding/steps/template_browsing", map[string]string{"value": st.Recommendations[0].Slug}, 200, nil)
	projectID := user.project("My First App", st.Recommendations[0].Slug, nil)
	user.call("POST", "/api/onboarding/steps/first_project", map[string]string{"value": projectID}, 200, &st)
	if !st.Completed {
		t.Fatalf("not completed: %+v", st)
	}
	var got struct {
		Completed bool
		State     map[string]any
	}
	deadline := time.Now().Add(10 * time.Second)
	for !got.Completed && time.Now().Before(deadline) {
		user.call("GET", "/api/onboarding", nil, 200, &got)
		time.Sleep(100 * time.Millisecond)
	}
	if !got.Completed || got.State["industry"] != "finance" {
		t.Fatalf("GET /api/onboarding: %+v", got)
	}
	var profile struct {
		Industry            *string
		OnboardingCompleted bool
	}
	user.call("GET", "/api/user/profile", nil, 200, &profile)
	if profile.Industry == nil || *profile.Industry != "finance" || !profile.OnboardingCompleted {
		t.Fatalf("profile %+v", profile)
	}
	recordHistory(t, s.temporal.Address(), "onboarding-"+currentUserID(t, user), "onboarding_completed")
}

func currentUserID(t *testing.T, c *apiClient) string {
	t.Helper()
	var u struct{ ID string }
	c.call("GET", "/api/user/profile", nil, 200, &u)
	return u.ID
}
