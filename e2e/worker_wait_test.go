package e2e_test

import (
	"strings"
	"testing"
	"time"
)

// waitingDeployment is a deployment with the worker it waits for, if any.
type waitingDeployment struct {
	ID         string
	Status     string
	Error      string
	WaitingFor *struct {
		Queue   string
		Message string
	}
}

// TestDeploymentWaitsVisiblyForADeployWorker: with only the platform worker
// running (compose once started nothing else), a deployment cannot generate;
// it must say it waits for a worker on the deploy queue, in the deployment
// and in the project's list, and go on to deploy once one starts.
func TestDeploymentWaitsVisiblyForADeployWorker(t *testing.T) {
	s := newStack(t)
	s.worker("platform")
	admin := s.login("admin@example.com")
	projectID := admin.project("Waiting Clinic", "patient-intake", map[string]any{"appName": "Waiting Clinic"})
	d := admin.deploy(projectID)

	var got waitingDeployment
	deadline := time.Now().Add(60 * time.Second)
	for {
		admin.call("GET", "/api/deployments/"+d.ID, nil, 200, &got)
		if got.WaitingFor != nil && got.WaitingFor.Queue == "deploy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deployment without a deploy worker never reported waiting for one: %+v (waitingFor %+v)", got, got.WaitingFor)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// It stays queued: its first step records itself once a deploy worker
	// takes it.
	if got.Status != "queued" || !strings.Contains(got.WaitingFor.Message, "task queue deploy") {
		t.Fatalf("waiting deployment: status %q, waitingFor %+v", got.Status, *got.WaitingFor)
	}
	var list []waitingDeployment
	admin.call("GET", "/api/projects/"+projectID+"/deployments", nil, 200, &list)
	if len(list) != 1 || list[0].WaitingFor == nil || list[0].WaitingFor.Queue != "deploy" {
		t.Fatalf("project's list does not show the wait: %+v", list)
	}

	s.worker("deploy")
	admin.waitStatus(d.ID, 90*time.Second, "deployed")
	admin.call("GET", "/api/deployments/"+d.ID, nil, 200, &got)
	if got.WaitingFor != nil {
		t.Fatalf("deployed deployment still reports waitingFor %+v", *got.WaitingFor)
	}
}
