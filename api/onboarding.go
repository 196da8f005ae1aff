package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Onboarding runs users' onboarding workflows.
type Onboarding interface {
	StartOnboarding(ctx context.Context, in workflows.OnboardingInput) error
	Step(ctx context.Context, in workflows.OnboardingInput, req workflows.StepRequest) (activities.OnboardingState, error)
}

// onboardingInput starts u's onboarding from the state stored on u, so a run
// that failed or was terminated starts again where the user was.
func (s *Server) onboardingInput(u models.User) workflows.OnboardingInput {
	st := storedOnboarding(u)
	return workflows.OnboardingInput{UserID: u.ID, Bootstrap: u.Role == models.RoleAdmin, ReminderAfter: s.reminderAfter, State: st,
		BrowsedMax: s.quotas.browsedMax}
}

// storedOnboarding is the onboarding state stored on u (empty if none),
// with the step and reminder counters the store keeps.
func storedOnboarding(u models.User) activities.OnboardingState {
	var st activities.OnboardingState
	if raw, err := json.Marshal(u.OnboardingState.V); err == nil {
		_ = json.Unmarshal(raw, &st) // a state that does not decode starts empty
	}
	st.Updates, st.Reminders = max(st.Updates, u.OnboardingVersion), max(st.Reminders, u.OnboardingReminders)
	st.Completed = st.Completed || u.OnboardingCompleted
	return st
}

// startOnboarding starts a new user's onboarding in the background: the
// login does not wait for a worker. A failure is only logged, since the
// first step starts the workflow anyway (update-with-start).
func (s *Server) startOnboarding(u models.User) {
	if s.onboarding == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		defer cancel()
		if err := s.onboarding.StartOnboarding(ctx, s.onboardingInput(u)); err != nil {
			s.log.Warn("starting onboarding failed", "user_id", u.ID, "error", err.Error())
		}
	}()
}

// onboardingResponse is the one answer of GET /api/onboarding and POST
// /api/onboarding/steps/:step (documented in the README).
type onboardingResponse struct {
	Completed bool            `json:"completed"`
	State     onboardingState `json:"state"`
	Steps     []string        `json:"steps"`
}

// onboardingState is what a user sees of their onboarding: the choices made
// so far, without the workflow's counters.
type onboardingState struct {
	Role             string                      `json:"role"`
	Industry         string                      `json:"industry"`
	BrowsedTemplates []string                    `json:"browsedTemplates"`
	FirstProjectID   string                      `json:"firstProjectId"`
	Recommendations  []activities.Recommendation `json:"recommendations"`
	RoleApprovalID   string                      `json:"roleApprovalId"`
}

func toOnboarding(st activities.OnboardingState) onboardingResponse {
	if st.Recommendations == nil {
		st.Recommendations = []activities.Recommendation{}
	}
	return onboardingResponse{Completed: st.Completed, Steps: workflows.OnboardingSteps, State: onboardingState{
		Role: st.Role, Industry: st.Industry, BrowsedTemplates: orEmpty(st.BrowsedTemplates), FirstProjectID: st.FirstProjectID,
		Recommendations: st.Recommendations, RoleApprovalID: st.RoleApprovalID,
	}}
}

func (s *Server) getOnboarding(c *fiber.Ctx) error {
	return ok(c, fiber.StatusOK, toOnboarding(storedOnboarding(currentUser(c))))
}

type stepRequest struct {
	Value string `json:"value" validate:"required,max=200"`
}

// postOnboardingStep sends a step to the user's onboarding workflow as an
// update (starting the workflow if needed); its validator's refusals are
// 400 (bad value or step) or 409 (out of order, already complete). Once the
// onboarding is complete a step is 409 onboarding_complete and starts nothing.
func (s *Server) postOnboardingStep(c *fiber.Ctx) error {
	var req stepRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	step := strings.Clone(c.Params("step"))
	u := currentUser(c)
	if u.OnboardingCompleted {
		return workflows.ErrOnboardingComplete
	}
	st, err := s.onboarding.Step(c.UserContext(), s.onboardingInput(u), workflows.StepRequest{Step: step, Value: strings.TrimSpace(req.Value)})
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		status, code := fiber.StatusBadRequest, "bad_request"
		switch appErr.Type() {
		case workflows.ErrTypeConflict:
			status, code = fiber.StatusConflict, "conflict"
		case workflows.ErrTypeOnboardingComplete:
			return workflows.ErrOnboardingComplete
		}
		return &Error{Status: status, Code: code, Message: appErr.Message(), Details: []FieldError{{Field: "step", Message: appErr.Message()}}}
	}
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toOnboarding(st))
}
