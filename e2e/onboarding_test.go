package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// onboarding is the documented answer of GET /api/onboarding and POST
// /api/onboarding/steps/:step (README, Onboarding); callStrict decodes it
// rejecting unknown fields, so a drift of either answer fails here.
type onboarding struct {
	Completed bool `json:"completed"`
	State     struct {
		Role             string   `json:"role"`
		Industry         string   `json:"industry"`
		BrowsedTemplates []string `json:"browsedTemplates"`
		FirstProjectID   string   `json:"firstProjectId"`
		Recommendations  []struct {
			Slug string `json:"slug"`
			Name string `json:"name"`
			Why  string `json:"why"`
		} `json:"recommendations"`
		RoleApprovalID string `json:"roleApprovalId"`
	} `json:"state"`
	Steps []string `json:"steps"`
}

// apiError is the error envelope's body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// callStrict is call for documented answers: the data must decode into out
// with no unknown field.
func (c *apiClient) callStrict(method, path string, body any, wantStatus int, out any) {
	c.t.Helper()
	status, raw := c.send(method, path, body)
	if status != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, wantStatus, raw)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		c.t.Fatalf("%s %s: not an envelope: %s", method, path, raw)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		c.t.Fatalf("%s %s: the answer is not the documented shape (%v): %s", method, path, err, env.Data)
	}
}

// callError sends a request that must fail with wantStatus and returns its error.
func (c *apiClient) callError(method, path string, body any, wantStatus int) apiError {
	c.t.Helper()
	status, raw := c.send(method, path, body)
	var env struct {
		Error apiError `json:"error"`
	}
	if status != wantStatus || json.Unmarshal(raw, &env) != nil {
		c.t.Fatalf("%s %s: status %d, want %d with an error: %s", method, path, status, wantStatus, raw)
	}
	return env.Error
}

// TestOnboardingThroughTheAPI: a new user's onboarding starts at first
// login; steps are validated in order; choosing technical_user opens a role
// approval; the industry brings recommendations; the first project completes
// it. Every answer has the documented shape. Once complete, a step is 409
// onboarding_complete and starts nothing: the workflow keeps its one run
// and the user stays onboarded.
func TestOnboardingThroughTheAPI(t *testing.T) {
	s := newStack(t)
	s.worker("platform")
	s.login("admin@example.com")
	user := s.login("new@example.com")

	user.call("POST", "/api/onboarding/steps/industry", map[string]string{"value": "finance"}, 409, nil)
	user.call("POST", "/api/onboarding/steps/role", map[string]string{"value": "wizard"}, 400, nil)
	var st onboarding
	user.callStrict("POST", "/api/onboarding/steps/role", map[string]string{"value": "technical_user"}, 200, &st)
	if st.State.Role != "technical_user" || st.State.RoleApprovalID == "" || st.Completed {
		t.Fatalf("after role: %+v", st)
	}
	user.callStrict("POST", "/api/onboarding/steps/industry", map[string]string{"value": "finance"}, 200, &st)
	if st.State.RoleApprovalID == "" || len(st.State.Recommendations) == 0 || st.State.Recommendations[0].Why == "" {
		t.Fatalf("after industry: %+v", st)
	}
	var mine []struct{ ID, Type string }
	user.call("GET", "/api/approvals?mine=requested", nil, 200, &mine)
	if len(mine) != 1 || mine[0].Type != "user_role_change" || mine[0].ID != st.State.RoleApprovalID {
		t.Fatalf("role approval from onboarding: %+v, onboarding names %s", mine, st.State.RoleApprovalID)
	}
	user.callStrict("POST", "/api/onboarding/steps/template_browsing", map[string]string{"value": st.State.Recommendations[0].Slug}, 200, &st)
	projectID := user.project("My First App", st.State.Recommendations[0].Slug, nil)
	user.callStrict("POST", "/api/onboarding/steps/first_project", map[string]string{"value": projectID}, 200, &st)
	if !st.Completed || st.State.FirstProjectID != projectID {
		t.Fatalf("not completed: %+v", st)
	}
	var got onboarding
	deadline := time.Now().Add(10 * time.Second)
	for !got.Completed && time.Now().Before(deadline) {
		user.callStrict("GET", "/api/onboarding", nil, 200, &got)
		time.Sleep(100 * time.Millisecond)
	}
	if !got.Completed || got.State.Industry != "finance" || got.State.FirstProjectID != projectID {
		t.Fatalf("GET /api/onboarding: %+v", got)
	}
	var profile struct {
		ID                  string
		Industry            *string
		OnboardingCompleted bool
	}
	user.call("GET", "/api/user/profile", nil, 200, &profile)
	if profile.Industry == nil || *profile.Industry != "finance" || !profile.OnboardingCompleted {
		t.Fatalf("profile %+v", profile)
	}

	workflowID := "onboarding-" + profile.ID
	runID := onboardingRun(t, s, workflowID)
	for _, step := range []string{"role", "first_project"} {
		e := user.callError("POST", "/api/onboarding/steps/"+step, map[string]string{"value": "business_user"}, 409)
		if e.Code != "onboarding_complete" || e.Message != "onboarding is already complete" {
			t.Fatalf("a step after completion: %+v", e)
		}
	}
	if again := onboardingRun(t, s, workflowID); again != runID {
		t.Fatalf("a step after completion started run %s of %s (was %s)", again, workflowID, runID)
	}
	if n := countWorkflows(t, s, fmt.Sprintf("WorkflowId = '%s'", workflowID)); n != 1 {
		t.Fatalf("%d runs of %s, want 1", n, workflowID)
	}
	user.call("GET", "/api/user/profile", nil, 200, &profile)
	if !profile.OnboardingCompleted {
		t.Fatal("a step after completion reset onboardingCompleted")
	}
	recordHistory(t, s.temporal.Address(), workflowID, "onboarding_completed")
}

// onboardingRun returns the run id of the workflow's latest run.
func onboardingRun(t *testing.T, s *stack, workflowID string) string {
	t.Helper()
	tc := temporalClient(t, s)
	d, err := tc.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil {
		t.Fatalf("describe %s: %v", workflowID, err)
	}
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// countWorkflows counts the executions a visibility query finds.
func countWorkflows(t *testing.T, s *stack, query string) int {
	t.Helper()
	tc := temporalClient(t, s)
	resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		t.Fatalf("list workflows %q: %v", query, err)
	}
	return len(resp.GetExecutions())
}

func temporalClient(t *testing.T, s *stack) client.Client {
	t.Helper()
	tc, err := client.Dial(client.Options{HostPort: s.temporal.Address()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	return tc
}

// TestUpdatesWithoutAWorkerAnswer503: with no worker running, an onboarding
// step and a decision do not hang: after a bounded wait they answer 503
// worker_unavailable; once a worker is back the decision is taken.
func TestUpdatesWithoutAWorkerAnswer503(t *testing.T) {
	s := newStack(t)
	admin := s.login("admin@example.com")
	user := s.login("new@example.com")

	started := time.Now()
	e := user.callError("POST", "/api/onboarding/steps/role", map[string]string{"value": "business_user"}, 503)
	if e.Code != "worker_unavailable" || e.Message == "" || time.Since(started) > 30*time.Second {
		t.Fatalf("a step without a worker: %+v after %s", e, time.Since(started))
	}
	var req approval
	user.call("POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "integrations"}, 202, &req)
	started = time.Now()
	e = admin.callError("POST", "/api/approvals/"+req.ID+"/approve", map[string]string{}, 503)
	if e.Code != "worker_unavailable" || time.Since(started) > 30*time.Second {
		t.Fatalf("a decision without a worker: %+v after %s", e, time.Since(started))
	}
	// Once a worker is back the decision is taken: the one the server kept
	// (then deciding again is 409), or the one sent again.
	s.worker("platform")
	if status, body := admin.send("POST", "/api/approvals/"+req.ID+"/approve", map[string]string{}); status != 200 && status != 409 {
		t.Fatalf("deciding once a worker is back: %d %s", status, body)
	}
	admin.waitApproval(req.ID, "approved")
}
