package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
)

// Onboarding workflow names.
const (
	OnboardingWorkflowName = "OnboardingWorkflow"
	UpdateStep             = "step"
	UpdateBegin            = "begin" // returns the state; what update-with-start sends at first login
	QueryOnboarding        = "onboarding"
)

// Onboarding steps, in order: role, then industry, then browsing and a first project.
const (
	StepRole             = "role"
	StepIndustry         = "industry"
	StepTemplateBrowsing = "template_browsing"
	StepFirstProject     = "first_project"
)

// OnboardingWorkflowID is the one onboarding workflow of a user.
func OnboardingWorkflowID(userID string) string { return "onboarding-" + userID }

// OnboardingInput starts (or continues as new) a user's onboarding.
type OnboardingInput struct {
	UserID        string
	Bootstrap     bool          // the bootstrap admin: choosing a role needs no approval
	ReminderAfter time.Duration // inactivity before a reminder
	HistoryLimit  int           // continue as new past this many events; 0 means 2000
	State         OnboardingState
}

// OnboardingState is what the query returns and what is stored on the user.
type OnboardingState struct {
	Role             string
	Industry         string
	BrowsedTemplates []string
	FirstProjectID   string
	Recommendations  []activities.Recommendation
	RoleApprovalID   string
	Completed        bool
	Updates          int
	Reminders        int
}

// StepRequest is the argument of the step update.
type StepRequest struct {
	Step  string
	Value string
}

func (st *OnboardingState) check(req StepRequest) error {
	bad := func(msg string) error { return temporal.NewApplicationError(msg, ErrTypeBadDecision) }
	order := func(msg string) error { return temporal.NewApplicationError(msg, ErrTypeConflict) }
	switch {
	case st.Completed:
		return order("onboarding is already complete")
	case req.Step == StepRole:
		if req.Value != "business_user" && req.Value != "technical_user" {
			return bad("role must be business_user or technical_user")
		}
	case req.Step == StepIndustry:
		if !slices.Contains([]string{"healthcare", "finance", "ecommerce"}, req.Value) {
			return bad("industry must be healthcare, finance or ecommerce")
		}
		if st.Role == "" {
			return order("choose a role first")
		}
	case req.Step == StepTemplateBrowsing, req.Step == StepFirstProject:
		if req.Value == "" {
			return bad("value is required")
		}
		if st.Industry == "" {
			return order("choose an industry first")
		}
	default:
		return bad("unknown step " + req.Step + "; steps are role, industry, template_browsing, first_project")
	}
	return nil
}

var onboardingActs *activities.Onboarding

// OnboardingWorkflow guides one user through choosing a role and an industry,
// browsing templates and creating a first project. Each step is an update,
// validated before it is accepted; choosing the industry asks the AI provider
// for recommendations; after ReminderAfter without progress a reminder goes
// out (a durable timer). It continues as new when its history grows long.
func OnboardingWorkflow(ctx workflow.Context, in OnboardingInput) (OnboardingState, error) {
	st := in.State
	actx := workflow.WithActivityOptions(ctx, approvalBookkeeping)
	if err := workflow.SetQueryHandler(ctx, QueryOnboarding, func() (OnboardingState, error) { return st, nil }); err != nil {
		return st, err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateStep,
		func(ctx workflow.Context, req StepRequest) (OnboardingState, error) {
			if err := applyStep(ctx, actx, in, &st, req); err != nil {
				return st, err
			}
			st.Updates++
			err := workflow.ExecuteActivity(actx, onboardingActs.Save, activities.OnboardingSave{
				UserID: in.UserID, Step: req.Step, State: toRecord(st)}).Get(ctx, nil)
			return st, err
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, req StepRequest) error { return st.check(req) }})
	if err != nil {
		return st, err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateBegin, func(workflow.Context) (OnboardingState, error) { return st, nil }); err != nil {
		return st, err
	}
	limit := in.HistoryLimit
	if limit <= 0 {
		limit = 2000
	}
	for !st.Completed {
		seen := st.Updates
		progressed, _ := workflow.AwaitWithTimeout(ctx, in.ReminderAfter, func() bool { return st.Updates != seen || st.Completed })
		if !progressed {
			st.Reminders++
			_ = workflow.ExecuteActivity(actx, onboardingActs.Remind, activities.ReminderInput{UserID: in.UserID, Reminders: st.Reminders}).Get(ctx, nil)
		}
		// Each step or reminder adds about ten events; the server may also suggest it.
		info := workflow.GetInfo(ctx)
		long := info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > limit || (st.Updates+st.Reminders)*10 >= limit
		if long && !st.Completed {
			_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
			in.State = st
			return st, workflow.NewContinueAsNewError(ctx, OnboardingWorkflowName, in)
		}
	}
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return st, nil
}

func applyStep(ctx, actx workflow.Context, in OnboardingInput, st *OnboardingState, req StepRequest) error {
	switch req.Step {
	case StepRole:
		st.Role = req.Value
		if req.Value == "technical_user" && !in.Bootstrap && st.RoleApprovalID == "" {
			var approvalID string
			if err := workflow.ExecuteActivity(actx, onboardingActs.RequestRole, activities.RoleRequest{
				UserID: in.UserID, Role: req.Value}).Get(ctx, &approvalID); err != nil {
				return err
			}
			st.RoleApprovalID = approvalID
		}
	case StepIndustry:
		st.Industry = req.Value
		return workflow.ExecuteActivity(actx, onboardingActs.Recommend, activities.RecommendInput{
			UserID: in.UserID, Industry: st.Industry, Role: st.Role}).Get(ctx, &st.Recommendations)
	case StepTemplateBrowsing:
		if !slices.Contains(st.BrowsedTemplates, req.Value) {
			st.BrowsedTemplates = append(st.BrowsedTemplates, req.Value)
		}
	case StepFirstProject:
		st.FirstProjectID, st.Completed = req.Value, true
	}
	return nil
}

func toRecord(st OnboardingState) activities.OnboardingRecord {
	return activities.OnboardingRecord{Role: st.Role, Industry: st.Industry, BrowsedTemplates: st.BrowsedTemplates,
		FirstProjectID: st.FirstProjectID, Recommendations: st.Recommendations, RoleApprovalID: st.RoleApprovalID,
		Completed: st.Completed}
}
