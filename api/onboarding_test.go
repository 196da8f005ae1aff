package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// fakeOnboarding answers steps with a fixed state (or error) and counts them.
type fakeOnboarding struct {
	state activities.OnboardingState
	err   error
	steps atomic.Int32
}

func (f *fakeOnboarding) StartOnboarding(context.Context, workflows.OnboardingInput) error {
	return nil
}

func (f *fakeOnboarding) Step(context.Context, workflows.OnboardingInput, workflows.StepRequest) (activities.OnboardingState, error) {
	f.steps.Add(1)
	return f.state, f.err
}

// keys returns the JSON object's keys at the top and under state, sorted.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatalf("not an object: %s", raw)
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(top["state"], &state); err != nil {
		t.Fatalf("state is not an object: %s", raw)
	}
	out := slices.Collect(maps.Keys(top))
	for k := range state {
		out = append(out, "state."+k)
	}
	slices.Sort(out)
	return out
}

// GET /api/onboarding and a step answer the same documented shape, without
// the workflow's counters; after completion a step is 409
// onboarding_complete without reaching the workflow; no worker is 503.
func TestOnboardingAnswers(t *testing.T) {
	wf := &fakeOnboarding{state: activities.OnboardingState{Role: models.RoleBusinessUser, Updates: 1, Reminders: 2,
		Recommendations: []activities.Recommendation{{Slug: "kyc-onboarding", Name: "KYC Onboarding", Why: "fits"}}}}
	h := newHarness(t, config.SQLite, options{devMode: true, onboarding: wf})
	token, id, _ := h.login("new@example.com")

	get := h.do("GET", "/api/onboarding", token, nil).expect(t, 200).env(t).Data
	post := h.do("POST", "/api/onboarding/steps/role", token, map[string]string{"value": "business_user"}).expect(t, 200).env(t).Data
	want := []string{"completed", "state", "state.browsedTemplates", "state.firstProjectId", "state.industry",
		"state.recommendations", "state.role", "state.roleApprovalId", "steps"}
	if got := keys(t, get); !slices.Equal(got, want) {
		t.Fatalf("GET /api/onboarding keys %v, want %v: %s", got, want, get)
	}
	if got := keys(t, post); !slices.Equal(got, want) {
		t.Fatalf("POST /api/onboarding/steps/role keys %v, want %v: %s", got, want, post)
	}
	var st struct {
		State struct {
			Role             string
			BrowsedTemplates []string
			Recommendations  []activities.Recommendation
		}
		Steps []string
	}
	if err := json.Unmarshal(post, &st); err != nil || st.State.Role != models.RoleBusinessUser || st.State.BrowsedTemplates == nil ||
		len(st.State.Recommendations) != 1 || !slices.Equal(st.Steps, workflows.OnboardingSteps) {
		t.Fatalf("step answer %s (%v)", post, err)
	}

	wf.err = fmt.Errorf("onboarding step: %w", workflows.ErrWorkerUnavailable)
	r := h.do("POST", "/api/onboarding/steps/industry", token, map[string]string{"value": "finance"}).expect(t, 503)
	if e := r.env(t).Error; e == nil || e.Code != "worker_unavailable" {
		t.Fatalf("no worker: %s", r.Body)
	}

	done, _ := json.Marshal(activities.OnboardingState{Role: models.RoleBusinessUser, Industry: "finance", FirstProjectID: "p-1", Completed: true})
	if err := h.store.SaveOnboarding(t.Context(), id, models.OnboardingSave{Step: workflows.StepFirstProject, Version: 3, State: done, Completed: true}); err != nil {
		t.Fatal(err)
	}
	calls := wf.steps.Load()
	r = h.do("POST", "/api/onboarding/steps/role", token, map[string]string{"value": "business_user"}).expect(t, 409)
	if e := r.env(t).Error; e == nil || e.Code != "onboarding_complete" || e.Message != "onboarding is already complete" {
		t.Fatalf("a step after completion: %s", r.Body)
	}
	if wf.steps.Load() != calls {
		t.Fatal("a step after completion reached the workflow")
	}
	var got struct {
		Completed bool
		State     struct{ FirstProjectID string }
	}
	h.do("GET", "/api/onboarding", token, nil).expect(t, 200).data(t, &got)
	if !got.Completed || got.State.FirstProjectID != "p-1" {
		t.Fatalf("GET after completion %+v", got)
	}
}

func TestApprovalStatusFilter(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	token, _, _ := h.login("admin@example.com")
	for _, status := range models.ApprovalStatuses {
		h.do("GET", "/api/approvals?status="+status, token, nil).expect(t, 200)
	}
	h.do("GET", "/api/approvals?status=lost", token, nil).expectField(t, 400, "status")
}
