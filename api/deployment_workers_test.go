package api_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// fakeQueues answers which task queues have no worker, as Temporal would.
type fakeQueues struct {
	mu       sync.Mutex
	unpolled []string
	err      error
	calls    int
}

func (f *fakeQueues) UnpolledQueues(_ context.Context, queues ...string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	var out []string
	for _, q := range queues {
		if slices.Contains(f.unpolled, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

func (f *fakeQueues) set(err error, unpolled ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unpolled, f.err = unpolled, err
}

func (f *fakeQueues) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type waitingOut struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	WaitingFor *struct {
		Queue   string `json:"queue"`
		Message string `json:"message"`
	} `json:"waitingFor"`
}

// deployWithQueues starts one deployment of an admin's project on a server
// whose task queues the fake reports.
func deployWithQueues(t *testing.T, queues *fakeQueues, every time.Duration) (h *harness, token, projectID, deploymentID string) {
	t.Helper()
	h = newHarness(t, config.SQLite, options{devMode: true, taskQueues: queues, workerCheckEvery: every})
	token, _, _ = h.login("admin@example.com")
	var p projectOut
	h.do("POST", "/api/projects", token, map[string]any{"name": "Riverside", "templateId": h.templateBySlug("patient-intake").ID}).expect(t, 201).data(t, &p)
	var d waitingOut
	h.do("POST", "/api/projects/"+p.ID+"/deployments", token, nil).expect(t, 202).data(t, &d)
	return h, token, p.ID, d.ID
}

// TestDeploymentShowsTheWorkerItWaitsFor: an active deployment whose task
// queue no worker polls says so in GET /api/deployments/:id and in its
// project's list, instead of hanging silently; a finished one never does.
func TestDeploymentShowsTheWorkerItWaitsFor(t *testing.T) {
	queues := &fakeQueues{}
	h, token, projectID, id := deployWithQueues(t, queues, time.Nanosecond)
	ctx := context.Background()
	tests := []struct {
		name, step, status string // step and status to move the deployment to ("" keeps it)
		unpolled           []string
		err                error
		queue, message     string // "" means waitingFor is null
	}{
		{"queued, every queue polled", "", "", nil, nil, "", ""},
		{"queued without a platform worker", "", "", []string{workflows.PlatformQueue}, nil, "platform", "waiting for a worker on task queue platform"},
		// A queued deployment's first step (generate, or a rollback's
		// publish) runs on the deploy queue and records itself there.
		{"queued without a deploy worker", "", "", []string{workflows.DeployQueue}, nil, "deploy", "waiting for a worker on task queue deploy"},
		{"generating without a deploy worker", workflows.StepGenerate, models.DeployGenerating, []string{workflows.DeployQueue}, nil, "deploy", "waiting for a worker on task queue deploy"},
		{"generating without any worker", workflows.StepGenerate, models.DeployGenerating, []string{workflows.PlatformQueue, workflows.DeployQueue}, nil,
			"deploy", "waiting for a worker on task queues deploy and platform"},
		{"building without a platform worker", workflows.StepBuild, models.DeployBuilding, []string{workflows.PlatformQueue}, nil, "platform", "waiting for a worker on task queue platform"},
		{"publishing without a deploy worker", workflows.StepPublish, models.DeployPublishing, []string{workflows.DeployQueue}, nil, "deploy", "waiting for a worker on task queue deploy"},
		{"verifying needs no deploy worker", workflows.StepVerify, models.DeployVerifying, []string{workflows.DeployQueue}, nil, "", ""},
		{"verifying without a platform worker", workflows.StepVerify, models.DeployVerifying, []string{workflows.PlatformQueue}, nil, "platform", "waiting for a worker on task queue platform"},
		{"Temporal does not answer: nothing is claimed", "", "", []string{workflows.PlatformQueue}, errors.New("unavailable"), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status != "" {
				if _, err := h.store.StartStep(ctx, id, tc.step, tc.status); err != nil {
					t.Fatal(err)
				}
			}
			queues.set(tc.err, tc.unpolled...)
			var one waitingOut
			h.do("GET", "/api/deployments/"+id, token, nil).expect(t, 200).data(t, &one)
			var list []waitingOut
			h.do("GET", "/api/projects/"+projectID+"/deployments", token, nil).expect(t, 200).data(t, &list)
			if len(list) != 1 {
				t.Fatalf("list has %d deployments, want 1", len(list))
			}
			for where, got := range map[string]waitingOut{"GET": one, "list": list[0]} {
				switch {
				case tc.queue == "" && got.WaitingFor != nil:
					t.Errorf("%s: status %s, waitingFor = %+v, want null", where, got.Status, *got.WaitingFor)
				case tc.queue != "" && got.WaitingFor == nil:
					t.Errorf("%s: status %s, waitingFor is null, want queue %q", where, got.Status, tc.queue)
				case tc.queue != "" && (got.WaitingFor.Queue != tc.queue || got.WaitingFor.Message != tc.message):
					t.Errorf("%s: status %s, waitingFor = %+v, want {%s %q}", where, got.Status, *got.WaitingFor, tc.queue, tc.message)
				}
			}
		})
	}
	t.Run("finished: never waiting", func(t *testing.T) {
		if _, err := h.store.FinishDeployment(ctx, id, models.DeployFailed, "", "test"); err != nil {
			t.Fatal(err)
		}
		queues.set(nil, workflows.PlatformQueue, workflows.DeployQueue)
		var got waitingOut
		h.do("GET", "/api/deployments/"+id, token, nil).expect(t, 200).data(t, &got)
		if got.Status != models.DeployFailed || got.WaitingFor != nil {
			t.Fatalf("finished deployment: %+v", got)
		}
	})
}

// TestWorkerCheckIsCached: polling clients share one look at the task queues
// per interval, so the API does not call Temporal on every request.
func TestWorkerCheckIsCached(t *testing.T) {
	queues := &fakeQueues{unpolled: []string{workflows.PlatformQueue}}
	h, token, projectID, id := deployWithQueues(t, queues, time.Minute)
	for range 10 {
		h.do("GET", "/api/deployments/"+id, token, nil).expect(t, 200)
		h.do("GET", "/api/projects/"+projectID+"/deployments", token, nil).expect(t, 200)
	}
	if n := queues.callCount(); n != 1 {
		t.Fatalf("20 reads looked at the task queues %d times, want 1", n)
	}
}
