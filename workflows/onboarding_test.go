package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/workflows"
)

var ob *activities.Onboarding

func step(env *testsuite.TestWorkflowEnvironment, at time.Duration, name, value string, refused *string) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateStep, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnComplete: func(any, error) {},
			OnReject: func(err error) {
				if refused != nil {
					*refused = err.Error()
				}
			},
		}, workflows.StepRequest{Step: name, Value: value})
	}, at)
}

func TestOnboardingStepsInOrderWithReminderAndRoleApproval(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
	env.RegisterActivity(ob)
	var saves, reminders, roleRequests atomic.Int32
	env.OnActivity(ob.Save, mock.Anything, mock.Anything).Return(func(context.Context, activities.OnboardingSave) error { saves.Add(1); return nil })
	env.OnActivity(ob.Remind, mock.Anything, mock.Anything).Return(func(context.Context, activities.ReminderInput) error { reminders.Add(1); return nil })
	env.OnActivity(ob.RequestRole, mock.Anything, mock.Anything).Return(func(context.Context, activities.RoleRequest) (string, error) {
		roleRequests.Add(1)
		return "approval-1", nil
	})
	env.OnActivity(ob.Recommend, mock.Anything, mock.Anything).Return([]activities.Recommendation{{Slug: "kyc-onboarding", Why: "fits"}}, nil)

	var early, badValue, unknown string
	step(env, time.Minute, workflows.StepIndustry, "finance", &early)
	step(env, 2*time.Minute, workflows.StepRole, "wizard", &badValue)
	step(env, 3*time.Minute, "dance", "x", &unknown)
	step(env, 4*time.Minute, workflows.StepRole, "technical_user", nil)
	step(env, 5*time.Minute, workflows.StepIndustry, "finance", nil)
	// 30 h of silence: one reminder (after 24 h), then the user comes back.
	step(env, 30*time.Hour, workflows.StepTemplateBrowsing, "kyc-onboarding", nil)
	step(env, 31*time.Hour, workflows.StepFirstProject, "p-1", nil)
	env.ExecuteWorkflow(workflows.OnboardingWorkflowName, workflows.OnboardingInput{UserID: "u1", ReminderAfter: 24 * time.Hour})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st activities.OnboardingState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(early, "role first") || !strings.Contains(badValue, "role must be") || !strings.Contains(unknown, "unknown step") {
		t.Fatalf("refusals: %q %q %q", early, badValue, unknown)
	}
	if !st.Completed || st.Role != "technical_user" || st.Industry != "finance" || st.RoleApprovalID != "approval-1" ||
		len(st.Recommendations) != 1 || st.FirstProjectID != "p-1" {
		t.Fatalf("state %+v", st)
	}
	if reminders.Load() != 1 || roleRequests.Load() != 1 || saves.Load() != 4 {
		t.Fatalf("reminders %d, role requests %d, saves %d", reminders.Load(), roleRequests.Load(), saves.Load())
	}
}

// A long onboarding continues as new, carrying its state.
func TestOnboardingContinuesAsNewWhenLong(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
	env.RegisterActivity(ob)
	env.OnActivity(ob.Save, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(ob.Remind, mock.Anything, mock.Anything).Return(nil)
	step(env, time.Minute, workflows.StepRole, "business_user", nil)
	env.ExecuteWorkflow(workflows.OnboardingWorkflowName, workflows.OnboardingInput{UserID: "u1", ReminderAfter: time.Hour, HistoryLimit: 10})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow error %v, want continue-as-new", err)
	}
	var next workflows.OnboardingInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.State.Role != "business_user" || next.UserID != "u1" {
		t.Fatalf("carried state %+v", next)
	}
}
