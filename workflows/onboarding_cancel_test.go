package workflows_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/workflows"
)

// An onboarding cancelled from the Temporal UI ends cancelled at once: no
// reminder goes out, nothing continues as new (before, every wait ended at
// once and counted as a reminder until the history was long enough to
// continue as new).
func TestOnboardingCancelledEndsCancelled(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
	env.RegisterActivity(ob)
	var reminders atomic.Int32
	env.OnActivity(ob.Save, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(ob.Remind, mock.Anything, mock.Anything).Return(func(context.Context, activities.ReminderInput) error { reminders.Add(1); return nil })
	env.OnActivity(ob.Recommend, mock.Anything, mock.Anything).Return(nil, nil)
	step(env, time.Minute, workflows.StepRole, "business_user", nil)
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(workflows.OnboardingWorkflowName, workflows.OnboardingInput{UserID: "u1", ReminderAfter: 24 * time.Hour})
	if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("a cancelled onboarding ended with %v, want cancelled", err)
	}
	if reminders.Load() != 0 {
		t.Fatalf("%d reminders after a cancellation", reminders.Load())
	}
}
