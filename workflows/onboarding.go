package workflows

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/models"
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

// OnboardingSteps lists the steps in order.
var OnboardingSteps = []string{StepRole, StepIndustry, StepTemplateBrowsing, StepFirstProject}

// ErrTypeOnboardingComplete refuses a step after the onboarding completed;
// the API answers 409.
const ErrTypeOnboardingComplete = "OnboardingComplete"

// DefaultBrowsedMax is how many browsed templates an onboarding remembers
// unless its input says otherwise (ONBOARDING_BROWSED_MAX).
const DefaultBrowsedMax = 50

// MsgOnboardingComplete says why a step after completion is refused.
const MsgOnboardingComplete = "onboarding is already complete"

// onboardingRoles are the roles a user may choose at onboarding.
var onboardingRoles = []string{models.RoleBusinessUser, models.RoleTechnicalUser}

// OnboardingWorkflowID is the one onboarding workflow of a user.
func OnboardingWorkflowID(userID string) string { return "onboarding-" + userID }

// OnboardingInput starts (or continues as new) a user's onboarding.
type OnboardingInput struct {
	UserID        string
	Bootstrap     bool          // the bootstrap admin: choosing a role needs no approval
	ReminderAfter time.Duration // inactivity before a reminder
	HistoryLimit  int           // continue as new past this many events; 0 means 2000
	// BrowsedMax bounds the templates remembered as browsed (the newest
	// are kept); 0 means DefaultBrowsedMax.
	BrowsedMax int
	// State is where the onboarding starts: the carried state on continue as
	// new, the stored one when a failed or terminated run is started again.
	State activities.OnboardingState
	// About says it in words for the Temporal UI (the user's email and
	// name, the reminder as text); the client fills it in.
	About *About `json:"about,omitempty"`
}

// StepRequest is the argument of the step update.
type StepRequest struct {
	Step  string
	Value string
}

func checkStep(st *activities.OnboardingState, req StepRequest) error {
	bad := func(msg string) error { return temporal.NewApplicationError(msg, ErrTypeBadDecision) }
	order := func(msg string) error { return temporal.NewApplicationError(msg, ErrTypeConflict) }
	switch {
	case st.Completed:
		return temporal.NewApplicationError(MsgOnboardingComplete, ErrTypeOnboardingComplete)
	case req.Step == StepRole:
		if !slices.Contains(onboardingRoles, req.Value) {
			return bad("role must be " + strings.Join(onboardingRoles, " or "))
		}
	case req.Step == StepIndustry:
		if !slices.Contains(catalog.Industries(), req.Value) {
			return bad("industry must be " + strings.Join(catalog.Industries(), ", "))
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
		return bad("unknown step " + req.Step + "; steps are " + strings.Join(OnboardingSteps, ", "))
	}
	return nil
}

var onboardingActs *activities.Onboarding

// OnboardingWorkflow guides one user through choosing a role and an industry,
// browsing templates and creating a first project. Each step is an update,
// validated before it is accepted; choosing the industry asks the AI provider
// for recommendations; after ReminderAfter without progress a reminder goes
// out (a durable timer). It continues as new when its history grows long.
func OnboardingWorkflow(ctx workflow.Context, in OnboardingInput) (activities.OnboardingState, error) {
	st := in.State
	actx := workflow.WithActivityOptions(ctx, approvalBookkeeping)
	// The current details live on the workflow's own context (actx holds a copy).
	show := func() { workflow.SetCurrentDetails(ctx, onboardingCurrent(in, st)) }
	show()
	if err := workflow.SetQueryHandler(ctx, QueryOnboarding, func() (activities.OnboardingState, error) { return st, nil }); err != nil {
		return st, err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateStep,
		func(ctx workflow.Context, req StepRequest) (activities.OnboardingState, error) {
			if err := applyStep(ctx, actx, in, &st, req); err != nil {
				return st, err
			}
			st.Updates++
			show()
			err := workflow.ExecuteActivity(actx, onboardingActs.Save, activities.OnboardingSave{
				UserID: in.UserID, Step: req.Step, State: st}).Get(ctx, nil)
			return st, err
		},
		workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, req StepRequest) error { return checkStep(&st, req) }})
	if err != nil {
		return st, err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateBegin, func(workflow.Context) (activities.OnboardingState, error) { return st, nil }); err != nil {
		return st, err
	}
	limit := in.HistoryLimit
	if limit <= 0 {
		limit = 2000
	}
	for !st.Completed {
		seen := st.Updates
		progressed, err := workflow.AwaitWithTimeout(ctx, in.ReminderAfter, func() bool { return st.Updates != seen || st.Completed })
		if err != nil && onboardingEndsOnCancel(ctx) {
			return st, err // cancelled (from the Temporal UI): the user's next step starts it again
		}
		if !progressed {
			st.Reminders++
			_ = workflow.ExecuteActivity(actx, onboardingActs.Remind, activities.ReminderInput{UserID: in.UserID, Reminders: st.Reminders}).Get(ctx, nil)
			show()
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

func applyStep(ctx, actx workflow.Context, in OnboardingInput, st *activities.OnboardingState, req StepRequest) error {
	switch req.Step {
	case StepRole:
		st.Role = req.Value
		if req.Value == models.RoleTechnicalUser && !in.Bootstrap && st.RoleApprovalID == "" {
			var approvalID string
			if err := workflow.ExecuteActivity(actx, onboardingActs.RequestRole, activities.RoleRequest{
				ApprovalID: roleApprovalID(ctx), UserID: in.UserID, Role: req.Value}).Get(ctx, &approvalID); err != nil {
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
		// Bounded: the state is carried through every run and stored on the user.
		limit := in.BrowsedMax
		if limit <= 0 {
			limit = DefaultBrowsedMax
		}
		if n := len(st.BrowsedTemplates); n > limit {
			st.BrowsedTemplates = slices.Clone(st.BrowsedTemplates[n-limit:])
		}
	case StepFirstProject:
		st.FirstProjectID, st.Completed = req.Value, true
	}
	return nil
}

// onboardingCancellation versions how OnboardingWorkflow takes a
// cancellation (the platform never cancels one; an operator may, from the
// Temporal UI). From version 1 it ends cancelled; before, every wait ended
// at once and counted as a reminder (its activity cancelled too) until the
// history grew long enough to continue as new, with the counter inflated.
// The version is asked for only once cancelled, so other executions record
// no marker.
const onboardingCancellation = "onboarding-cancellation"

func onboardingEndsOnCancel(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, onboardingCancellation, workflow.DefaultVersion, 1) >= 1
}

// roleApprovalID is the id of the role approval an onboarding opens: derived
// from the workflow (its chain of runs opens at most one), so every attempt
// of RequestRole, and every replay, names the same approval. It needs no
// command, so it changes nothing in the workflow's history.
func roleApprovalID(ctx workflow.Context) string {
	info := workflow.GetInfo(ctx)
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("forgeai:"+info.WorkflowExecution.ID+"/"+info.FirstRunID+"/role-approval")).String()
}
