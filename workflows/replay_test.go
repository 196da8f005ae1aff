package workflows_test

import (
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/workflows"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (`make record-histories`), so a change that would break running
// workflows fails here. Changes to a workflow's commands need workflow.GetVersion.
func TestReplayRecordedHistories(t *testing.T) {
	// testdata holds the latest recordings; testdata/archive keeps older ones,
	// whose executions still take the old branches of workflow.GetVersion.
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	archived, err := filepath.Glob(filepath.Join("testdata", "archive", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, archived...)
	if len(files) < 3 {
		t.Fatalf("expected recorded histories in testdata, found %d", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimPrefix(filepath.ToSlash(f), "testdata/"), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(workflows.DeploymentWorkflow, workflow.RegisterOptions{Name: workflows.DeploymentWorkflowName})
			r.RegisterWorkflowWithOptions(workflows.ApprovalWorkflow, workflow.RegisterOptions{Name: workflows.ApprovalWorkflowName})
			r.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
