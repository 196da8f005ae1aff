package api

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Onboarding runs users' onboarding workflows.
type Onboarding interface {
	StartOnboarding(ctx context.Context, in workflows.OnboardingInput) error
	Step(ctx context.Context, in workflows.OnboardingInput, req workflows.StepRequest) (workflows.OnboardingState, error)
}

func (s *Server) onboardingInput(u models.User) workflows.OnboardingInput {
	return workflows.OnboardingInput{UserID: u.ID, Bootstrap: u.Role == models.RoleAdmin, ReminderAfter: s.reminderAfter}
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

type onboardingResponse struct {
	Completed bool           `json:"completed"`
	State     map[string]any `json:"state"`
	Steps     []string       `json:"steps"`
}

func (s *Server) getOnboarding(c *fiber.Ctx) error {
	u, err := s.store.GetUser(c.UserContext(), currentUserID(c))
	if err != nil {
		return err
	}
	st := u.OnboardingState.V
	if st == nil {
		st = map[string]any{}
	}
	return ok(c, fiber.StatusOK, onboardingResponse{Completed: u.OnboardingCompleted, State: st,
		Steps: []string{workflows.StepRole, workflows.StepIndustry, workflows.StepTemplateBrowsing, workflows.StepFirstProject}})
}

type stepRequest struct {
	Value string `json:"value" validate:"required,max=200"`
}

// postOnboardingStep sends a step to the user's onboarding workflow as an
// update (starting the workflow if needed); its validator's refusals are
// 400 (bad value or step) or 409 (out of order, already complete).
func (s *Server) postOnboardingStep(c *fiber.Ctx) error {
	var req stepRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	step := strings.Clone(c.Params("step"))
	u := currentUser(c)
	st, err := s.onboarding.Step(c.UserContext(), s.onboardingInput(u), workflows.StepRequest{Step: step, Value: strings.TrimSpace(req.Value)})
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		status, code := fiber.StatusBadRequest, "bad_request"
		if appErr.Type() == workflows.ErrTypeConflict {
			status, code = fiber.StatusConflict, "conflict"
		}
		return &Error{Status: status, Code: code, Message: appErr.Message(), Details: []FieldError{{Field: "step", Message: appErr.Message()}}}
	}
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, st)
}
