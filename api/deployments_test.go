package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

type deploymentOut struct {
	ID         string `json:"id"`
	ProjectID  string `json:"projectId"`
	Seq        int    `json:"seq"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	WorkflowID string `json:"workflowId"`
	RollbackOf string `json:"rollbackOf"`
}

// deployHarness has an admin (who may deploy) with one project, and a business user.
func deployHarness(t *testing.T, d config.Dialect) (h *harness, admin, business string, project projectOut) {
	t.Helper()
	h = newHarness(t, d, options{devMode: true})
	admin, _, _ = h.login("admin@example.com")
	business, _, _ = h.login("biz@example.com")
	tpl := h.templateBySlug("patient-intake")
	h.do("POST", "/api/projects", admin, map[string]any{"name": "Riverside", "templateId": tpl.ID}).expect(t, 201).data(t, &project)
	return h, admin, business, project
}

func TestDeployStartsWorkflowAndAnswers202(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h, admin, _, p := deployHarness(t, d)
		var dep deploymentOut
		r := h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil, "Idempotency-Key", "key-1").expect(t, 202)
		r.data(t, &dep)
		if dep.Status != "queued" || dep.Seq != 1 || dep.WorkflowID != "deployment-"+dep.ID || dep.Kind != "deploy" {
			t.Fatalf("deployment = %+v", dep)
		}
		if r.Header.Get("Location") != "/api/deployments/"+dep.ID {
			t.Fatalf("Location = %q", r.Header.Get("Location"))
		}
		starts := h.workflows.starts()
		if len(starts) != 1 || starts[0].DeploymentID != dep.ID || starts[0].ProjectID != p.ID {
			t.Fatalf("workflow starts = %+v", starts)
		}

		// Same Idempotency-Key: the same deployment, no new row.
		var again deploymentOut
		h.do("POST", "/api/projects/"+p.ID+"/deploy", admin, nil, "Idempotency-Key", "key-1").expect(t, 202).data(t, &again)
		if again.ID != dep.ID {
			t.Fatalf("idempotent retry created %s, want %s", again.ID, dep.ID)
		}
		// Another deploy while one runs: 409 naming the running one.
		r = h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 409)
		if e := r.env(t); e.Error.Code != "deployment_in_progress" || !strings.Contains(string(r.Body), dep.ID) {
			t.Fatalf("409 body %s", r.Body)
		}
		// Nor can the project be deleted under its running deployment.
		r = h.do("DELETE", "/api/projects/"+p.ID, admin, nil).expect(t, 409)
		if e := r.env(t); e.Error.Code != "deployment_in_progress" || !strings.Contains(string(r.Body), dep.ID) {
			t.Fatalf("409 body %s", r.Body)
		}
		var proj projectOut
		h.do("GET", "/api/projects/"+p.ID, admin, nil).expect(t, 200).data(t, &proj)
		if proj.Status != "deploying" {
			t.Fatalf("project status %s, want deploying", proj.Status)
		}
		var got deploymentOut
		h.do("GET", "/api/deployments/"+dep.ID, admin, nil).expect(t, 200).data(t, &got)
		var list []deploymentOut
		h.do("GET", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 200).data(t, &list)
		if got.ID != dep.ID || len(list) != 1 {
			t.Fatalf("get %+v list %+v", got, list)
		}
	})
}

func TestDeployRefusals(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h, admin, business, p := deployHarness(t, d)
		// Another user's project is 404, whatever their role.
		h.do("POST", "/api/projects/"+p.ID+"/deployments", business, nil).expect(t, 404)
		// A business user cannot deploy their own project without approval.
		tpl := h.templateBySlug("patient-intake")
		var own projectOut
		h.do("POST", "/api/projects", business, map[string]any{"name": "Mine", "templateId": tpl.ID}).expect(t, 201).data(t, &own)
		// A business user's deployment waits for an approval instead.
		var pending struct {
			Status     string  `json:"status"`
			ApprovalID *string `json:"approvalId"`
		}
		h.do("POST", "/api/projects/"+own.ID+"/deployments", business, nil).expect(t, 202).data(t, &pending)
		if pending.Status != "pending_approval" || pending.ApprovalID == nil {
			t.Fatalf("business user's deployment: %+v", pending)
		}
		if st := h.workflows.starts(); len(st) != 1 || st[0].ApprovalID != *pending.ApprovalID {
			t.Fatalf("workflow input %+v", st)
		}
		h.workflows.started = nil
		h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil, "Idempotency-Key", "has spaces").expectField(t, 400, "Idempotency-Key")

		// A configuration that no longer validates: 422 with field errors, nothing started.
		ctx := context.Background()
		bad := map[string]any{"appName": ""}
		if _, err := h.store.UpdateProject(ctx, currentID(t, h, admin), p.ID, models.ProjectPatch{Configuration: bad}); err != nil {
			t.Fatal(err)
		}
		h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil).expectField(t, 422, "configuration.appName")
		if n := len(h.workflows.starts()); n != 0 {
			t.Fatalf("%d workflows started for refused deployments", n)
		}
		h.do("POST", "/api/projects/"+p.ID+"/rollback", admin, map[string]string{"deploymentId": "01930000-0000-7000-8000-000000000000"}).
			expectField(t, 404, "deploymentId")
		h.do("GET", "/api/deployments/01930000-0000-7000-8000-000000000000", admin, nil).expect(t, 404)
	})
}

func TestCancelAndRollback(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h, admin, business, p := deployHarness(t, d)
		ctx := context.Background()
		var first deploymentOut
		h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 202).data(t, &first)
		h.do("POST", "/api/deployments/"+first.ID+"/cancel", business, nil).expect(t, 404)
		h.do("POST", "/api/deployments/"+first.ID+"/cancel", admin, nil).expect(t, 202)
		if len(h.workflows.cancelled) != 1 || h.workflows.cancelled[0] != first.ID {
			t.Fatalf("cancel requests %v", h.workflows.cancelled)
		}
		// Simulate the pipeline: first deployment went live.
		digest := "sha256:" + strings.Repeat("a", 64)
		if err := h.store.SetArtifactDigest(ctx, first.ID, digest); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.PublishRelease(ctx, first.ID, func(slug string) string { return "http://apps.test/" + slug + "/" }); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.FinishDeployment(ctx, first.ID, models.DeployDeployed, "http://apps.test/riverside/", ""); err != nil {
			t.Fatal(err)
		}
		h.do("POST", "/api/deployments/"+first.ID+"/cancel", admin, nil).expect(t, 409)

		var rb deploymentOut
		h.do("POST", "/api/projects/"+p.ID+"/rollback", admin, map[string]string{"deploymentId": first.ID}).expect(t, 202).data(t, &rb)
		if rb.Kind != "rollback" || rb.RollbackOf != first.ID || rb.Seq != 2 {
			t.Fatalf("rollback deployment %+v", rb)
		}
		starts := h.workflows.starts()
		if last := starts[len(starts)-1]; last.RollbackArtifact != digest {
			t.Fatalf("rollback workflow input %+v", last)
		}
	})
}

func currentID(t *testing.T, h *harness, token string) string {
	t.Helper()
	var u struct{ ID string }
	h.do("GET", "/api/user/profile", token, nil).expect(t, 200).data(t, &u)
	return u.ID
}

// A retried request that finds its deployment pending approval without the
// approval (left by an older version's crash) fails it with a reason instead
// of starting a workflow that would skip the approval gate.
func TestRetryOfADeploymentWithoutItsApprovalFailsIt(t *testing.T) {
	h, _, business, _ := deployHarness(t, config.Postgres)
	var own projectOut
	h.do("POST", "/api/projects", business, map[string]any{"name": "Mine", "templateId": h.templateBySlug("patient-intake").ID}).expect(t, 201).data(t, &own)
	var dep deploymentOut
	h.do("POST", "/api/projects/"+own.ID+"/deployments", business, nil, "Idempotency-Key", "k").expect(t, 202).data(t, &dep)
	db, err := h.store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `UPDATE deployments SET approval_id = NULL WHERE id = $1`, dep.ID); err != nil {
		t.Fatal(err)
	}
	h.workflows.started = nil
	r := h.do("POST", "/api/projects/"+own.ID+"/deployments", business, nil, "Idempotency-Key", "k").expect(t, 409)
	if e := r.env(t); e.Error.Code != "approval_lost" || !strings.Contains(string(r.Body), dep.ID) {
		t.Fatalf("409 body %s", r.Body)
	}
	if n := len(h.workflows.starts()); n != 0 {
		t.Fatalf("%d workflows started", n)
	}
	var got struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	h.do("GET", "/api/deployments/"+dep.ID, business, nil).expect(t, 200).data(t, &got)
	if got.Status != "failed" || got.Error != models.ReasonApprovalLost {
		t.Fatalf("deployment %+v", got)
	}
	// The project is not blocked: a new request gets a new approval.
	h.do("POST", "/api/projects/"+own.ID+"/deployments", business, nil).expect(t, 202)
}

// When the workflow service cannot start a deployment's workflow, the
// request answers 503 and the deployment ends failed with the reason, so the
// project takes the next request.
func TestDeployWhileTheWorkflowServiceIsDown(t *testing.T) {
	h, admin, _, p := deployHarness(t, config.SQLite)
	h.workflows.mu.Lock()
	h.workflows.down = true
	h.workflows.mu.Unlock()
	r := h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 503)
	if e := r.env(t); e.Error.Code != "unavailable" {
		t.Fatalf("503 body %s", r.Body)
	}
	var list []struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	h.do("GET", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 200).data(t, &list)
	if len(list) != 1 || list[0].Status != models.DeployFailed || list[0].Error != "the workflow service was unavailable; try again" {
		t.Fatalf("deployments %+v", list)
	}
	h.workflows.mu.Lock()
	h.workflows.down = false
	h.workflows.mu.Unlock()
	h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 202)
}
