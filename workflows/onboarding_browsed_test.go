package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/workflows"
)

// Browsing many templates keeps only the newest BrowsedMax: the state is
// carried through every run and stored on the user, so it may not grow
// without bound (a client could send any number of distinct values).
func TestOnboardingBrowsingHistoryIsBounded(t *testing.T) {
	for _, tc := range []struct {
		max, want int
	}{{max: 5, want: 5}, {max: 0, want: workflows.DefaultBrowsedMax}} {
		t.Run(fmt.Sprint("max=", tc.max), func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
			env.RegisterActivity(ob)
			var mu sync.Mutex
			var saved activities.OnboardingState
			env.OnActivity(ob.Save, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OnboardingSave) error {
				mu.Lock()
				defer mu.Unlock()
				saved = in.State
				return nil
			})
			env.OnActivity(ob.Remind, mock.Anything, mock.Anything).Return(nil)
			env.OnActivity(ob.Recommend, mock.Anything, mock.Anything).Return([]activities.Recommendation{}, nil)
			step(env, time.Minute, workflows.StepRole, "business_user", nil)
			step(env, 2*time.Minute, workflows.StepIndustry, "finance", nil)
			const browsed = 70
			for i := range browsed {
				step(env, 3*time.Minute+time.Duration(i)*time.Second, workflows.StepTemplateBrowsing, fmt.Sprintf("template-%02d", i), nil)
			}
			// Browsing one again does not add it twice.
			step(env, 5*time.Minute, workflows.StepTemplateBrowsing, fmt.Sprintf("template-%02d", browsed-1), nil)
			step(env, 6*time.Minute, workflows.StepFirstProject, "p-1", nil)
			env.ExecuteWorkflow(workflows.OnboardingWorkflowName, workflows.OnboardingInput{
				UserID: "u1", ReminderAfter: 24 * time.Hour, HistoryLimit: 100_000, BrowsedMax: tc.max})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			var st activities.OnboardingState
			if err := env.GetWorkflowResult(&st); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(st.BrowsedTemplates) != tc.want || len(saved.BrowsedTemplates) != tc.want {
				t.Fatalf("remembered %d (saved %d), want %d", len(st.BrowsedTemplates), len(saved.BrowsedTemplates), tc.want)
			}
			var want []string
			for i := browsed - tc.want; i < browsed; i++ {
				want = append(want, fmt.Sprintf("template-%02d", i))
			}
			if !slices.Equal(st.BrowsedTemplates, want) {
				t.Fatalf("remembered %v, want the newest %v", st.BrowsedTemplates, want)
			}
		})
	}
}
