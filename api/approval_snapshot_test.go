package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// decidingApprovals does what ApprovalWorkflow does with one approval: it
// records the decision on the approval and, approved, carries it out with
// the Apply activity (a template publication puts the template in the
// gallery), keeping what Apply answered.
type decidingApprovals struct {
	store   *models.Store
	mu      sync.Mutex
	applied []error
}

func (*decidingApprovals) StartApproval(context.Context, workflows.ApprovalInput) error { return nil }

func (f *decidingApprovals) Decide(ctx context.Context, id string, req workflows.DecideRequest) (workflows.ApprovalState, error) {
	a, err := f.store.GetApproval(ctx, id)
	if err != nil {
		return workflows.ApprovalState{}, err
	}
	status := models.ApprovalRejected
	if req.Approve {
		status = models.ApprovalApproved
	}
	decisions, _ := json.Marshal([]activities.Decision{{ApproverID: req.Approver.ID, Email: req.Approver.Email, Approve: req.Approve,
		Comment: req.Comment, Via: activities.ViaAPI}})
	if err := f.store.SyncApproval(ctx, id, models.ApprovalUpdate{Status: status, Decisions: decisions, Ignored: json.RawMessage("[]"),
		Event: models.EventApprovalResolved, Version: a.Version + 1}); err != nil {
		return workflows.ApprovalState{}, err
	}
	if req.Approve {
		err := (&activities.Approvals{Store: f.store}).Apply(ctx, activities.ApplyInput{ApprovalID: id, Type: a.Type, SubjectID: a.SubjectID})
		f.mu.Lock()
		f.applied = append(f.applied, err)
		f.mu.Unlock()
	}
	return workflows.ApprovalState{Status: status}, nil
}

func (f *decidingApprovals) lastApply() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.applied) == 0 {
		return fmt.Errorf("nothing was applied")
	}
	return f.applied[len(f.applied)-1]
}

// pendingDeployment is a deployment waiting for its approval.
type pendingDeployment struct {
	ID         string  `json:"id"`
	ApprovalID *string `json:"approvalId"`
}

// snapshotDetail is GET /api/approvals/:id as an approver reads it.
type snapshotDetail struct {
	Payload       map[string]any `json:"payload"`
	SubjectDigest string         `json:"subjectDigest"`
	Subject       *struct {
		Project *struct {
			Configuration map[string]any `json:"configuration"`
		} `json:"project"`
		Template *struct {
			Slug            string `json:"slug"`
			Version         int    `json:"version"`
			Status          string `json:"status"`
			Digest          string `json:"digest"`
			RequestedDigest string `json:"requestedDigest"`
			ConfigSchema    json.RawMessage
			Scaffold        []struct {
				Path    string `json:"path"`
				Content string `json:"content"`
			} `json:"scaffold"`
		} `json:"template"`
		Deployment *struct {
			ID       string `json:"id"`
			Snapshot *struct {
				ProjectName         string         `json:"projectName"`
				Configuration       map[string]any `json:"configuration"`
				ConfigurationDigest string         `json:"configurationDigest"`
				TemplateVersion     int            `json:"templateVersion"`
				TemplateDigest      string         `json:"templateDigest"`
			} `json:"snapshot"`
			Live *struct {
				DeploymentID        string         `json:"deploymentId"`
				Configuration       map[string]any `json:"configuration"`
				ConfigurationDigest string         `json:"configurationDigest"`
			} `json:"live"`
			Changes []models.ConfigChange `json:"changes"`
		} `json:"deployment"`
	} `json:"subject"`
}

// sqlExec runs a statement written with $1, $2… on either dialect.
func sqlExec(t *testing.T, h *harness, query string, args ...any) {
	t.Helper()
	db, err := h.store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if h.store.Dialect() == config.SQLite {
		for i := len(args); i >= 1; i-- {
			query = strings.ReplaceAll(query, fmt.Sprintf("$%d", i), "?")
		}
	}
	if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// generate runs the pipeline's GenerateSource activity for the deployment
// on the real store with the offline provider, and returns its index.html.
func generate(t *testing.T, h *harness, deploymentID string) string {
	t.Helper()
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts := &activities.Deployment{Store: h.store, Artifacts: fs, Provider: ai.NewOffline()}
	env.RegisterActivity(acts)
	val, err := env.ExecuteActivity(acts.GenerateSource, activities.GenerateInput{DeploymentID: deploymentID})
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	var out activities.GenerateOutput
	if err := val.Get(&out); err != nil {
		t.Fatal(err)
	}
	files, err := fs.GetTree(t.Context(), out.SourceDigest)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(files, func(f artifacts.File) bool { return f.Path == "index.html" })
	if i < 0 {
		t.Fatal("no index.html generated")
	}
	return string(files[i].Content)
}

// A business user's deployment is bound to what it was requested with: the
// configuration cannot be changed while it waits (409), the approver reads
// the snapshot, its digest and the changes from the live release, an
// approval sent for another digest is refused, and the pipeline builds the
// snapshot even if the project's configuration changed behind the API.
func TestDeploymentApprovalIsBoundToItsSnapshot(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		approvals := &decidingApprovals{}
		h := newHarness(t, d, options{devMode: true, approvals: approvals})
		approvals.store = h.store
		tokens := roleTokens(t, h)
		business, tech := tokens[models.RoleBusinessUser], tokens[models.RoleTechnicalUser]
		var p projectOut
		h.do("POST", "/api/projects", business, map[string]any{"name": "Riverside", "templateId": h.templateBySlug("patient-intake").ID,
			"configuration": map[string]any{"appName": "Riverside Intake"}}).expect(t, 201).data(t, &p)
		var dep pendingDeployment
		h.do("POST", "/api/projects/"+p.ID+"/deployments", business, nil).expect(t, 202).data(t, &dep)
		if dep.ApprovalID == nil {
			t.Fatal("a business user's deployment has no approval")
		}

		// The requester cannot swap the configuration under the approval.
		r := h.do("PATCH", "/api/projects/"+p.ID, business, map[string]any{"configuration": map[string]any{"appName": "<script>steal()</script>"}})
		r.expectField(t, 409, "configuration")
		if e := r.env(t); e.Error.Code != "deployment_in_progress" || !strings.Contains(string(r.Body), dep.ID) {
			t.Fatalf("409 body %s", r.Body)
		}
		// Renaming, or sending the same configuration, is no change to it.
		h.do("PATCH", "/api/projects/"+p.ID, business, map[string]any{"name": "Riverside clinic",
			"configuration": map[string]any{"appName": "Riverside Intake"}}).expect(t, 200)
		var now projectOut
		h.do("GET", "/api/projects/"+p.ID, business, nil).expect(t, 200).data(t, &now)
		if now.Configuration["appName"] != "Riverside Intake" {
			t.Fatalf("configuration changed while pending: %v", now.Configuration)
		}

		// The approver reads what will be built, its digest, and the changes
		// (a first release: everything is added).
		var a snapshotDetail
		h.do("GET", "/api/approvals/"+*dep.ApprovalID, tech, nil).expect(t, 200).data(t, &a)
		want := models.ConfigurationDigest(p.Configuration) // with the schema's defaults filled in
		if a.Subject == nil || a.Subject.Deployment == nil || a.Subject.Deployment.Snapshot == nil {
			t.Fatalf("no snapshot: %+v", a.Subject)
		}
		snap := a.Subject.Deployment.Snapshot
		if snap.Configuration["appName"] != "Riverside Intake" || snap.ConfigurationDigest != want || a.SubjectDigest != want ||
			a.Payload["configurationDigest"] != want || snap.ProjectName != "Riverside" || snap.TemplateVersion != p.TemplateVersion ||
			!strings.HasPrefix(snap.TemplateDigest, "sha256:") || a.Subject.Template == nil || a.Subject.Template.Digest != snap.TemplateDigest ||
			a.Subject.Project.Configuration["appName"] != "Riverside Intake" {
			t.Fatalf("approver reads %+v (subject digest %s, payload %v)", snap, a.SubjectDigest, a.Payload)
		}
		changes := a.Subject.Deployment.Changes
		i := slices.IndexFunc(changes, func(c models.ConfigChange) bool { return c.Path == "appName" })
		if a.Subject.Deployment.Live != nil || len(changes) != len(p.Configuration) || i < 0 ||
			changes[i] != (models.ConfigChange{Path: "appName", Change: "added", To: "Riverside Intake"}) {
			t.Fatalf("live %+v, changes %+v", a.Subject.Deployment.Live, changes)
		}

		// An approval for another digest than what is under review is refused.
		h.do("POST", "/api/approvals/"+*dep.ApprovalID+"/approve", tech, map[string]any{"digest": models.ConfigurationDigest(map[string]any{"appName": "x"})}).
			expectField(t, 409, "digest")
		h.do("POST", "/api/approvals/"+*dep.ApprovalID+"/approve", tech, map[string]any{"digest": a.SubjectDigest, "comment": "ok"}).expect(t, 200)

		// Something writes the project's configuration behind the API's back
		// (an older API instance, a database console): the pipeline still
		// builds what was approved.
		sqlExec(t, h, `UPDATE projects SET configuration = $1 WHERE id = $2`, `{"appName": "<script>steal()</script>"}`, p.ID)
		page := generate(t, h, dep.ID)
		if !strings.Contains(page, "<h1>Riverside Intake</h1>") || strings.Contains(page, "steal()") {
			t.Fatalf("generated page builds another configuration than the approved one:\n%s", page)
		}

		// Once it is live, the next deployment's approval shows the changes
		// from it.
		if err := h.store.SetArtifactDigest(t.Context(), dep.ID, "sha256:"+strings.Repeat("a", 64)); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.PublishRelease(t.Context(), dep.ID, func(slug string) string { return "http://apps.test/" + slug + "/" }); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.FinishDeployment(t.Context(), dep.ID, models.DeployDeployed, "http://apps.test/riverside/", ""); err != nil {
			t.Fatal(err)
		}
		h.do("PATCH", "/api/projects/"+p.ID, business, map[string]any{"configuration": map[string]any{"appName": "Riverside Intake v2"}}).expect(t, 200)
		var next pendingDeployment
		h.do("POST", "/api/projects/"+p.ID+"/deployments", business, nil).expect(t, 202).data(t, &next)
		var b snapshotDetail
		h.do("GET", "/api/approvals/"+*next.ApprovalID, tech, nil).expect(t, 200).data(t, &b)
		dd := b.Subject.Deployment
		if dd.Live == nil || dd.Live.DeploymentID != dep.ID || dd.Live.ConfigurationDigest != want || dd.Live.Configuration["appName"] != "Riverside Intake" {
			t.Fatalf("live release %+v", dd.Live)
		}
		if len(dd.Changes) != 1 || dd.Changes[0] != (models.ConfigChange{Path: "appName", Change: "changed", From: "Riverside Intake", To: "Riverside Intake v2"}) {
			t.Fatalf("changes %+v", dd.Changes)
		}
	})
}

// boardPage is a submitted template's page.
const boardPage = `<!doctype html><html><head><title>Board</title><script src="app.js" defer></script></head>` +
	`<body><h1>{{.Config.appName}}</h1></body></html>`

// A template publication shows the scaffold (content included) and schema
// under review with their digest; approving publishes exactly that content
// (the published template has the approved digest); a template changed
// after it was reviewed is neither approvable with the digest read nor
// published.
func TestTemplateApprovalPublishesWhatWasReviewed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		approvals := &decidingApprovals{}
		h := newHarness(t, d, options{devMode: true, approvals: approvals})
		approvals.store = h.store
		tokens := roleTokens(t, h)
		tech, admin := tokens[models.RoleTechnicalUser], tokens[models.RoleAdmin]
		submit := func(name string) (approvalID, templateID string) {
			t.Helper()
			var a struct {
				ID        string `json:"id"`
				SubjectID string `json:"subjectId"`
			}
			h.do("POST", "/api/templates", tech, map[string]any{
				"name": name, "industry": "healthcare", "description": "A board that lists the clinic's rooms and their status.",
				"configSchema": map[string]any{"type": "object", "properties": map[string]any{
					"appName": map[string]any{"type": "string", "default": "Board", "maxLength": 80}}},
				"scaffold": []map[string]string{
					{"path": "index.html", "content": boardPage},
					{"path": "app.js", "content": `document.title = "Board"`},
				},
			}).expect(t, 202).data(t, &a)
			return a.ID, a.SubjectID
		}

		id, tplID := submit("Room board")
		var a snapshotDetail
		h.do("GET", "/api/approvals/"+id, admin, nil).expect(t, 200).data(t, &a)
		tp := a.Subject.Template
		if tp == nil || len(tp.Scaffold) != 2 || tp.Scaffold[0].Path != "index.html" || !strings.Contains(tp.Scaffold[0].Content, "{{.Config.appName}}") ||
			tp.Scaffold[1].Content != `document.title = "Board"` {
			t.Fatalf("admin reads %+v", tp)
		}
		if !strings.HasPrefix(tp.Digest, "sha256:") || tp.Digest != tp.RequestedDigest || a.SubjectDigest != tp.Digest {
			t.Fatalf("digest %q, requested %q, subject %q", tp.Digest, tp.RequestedDigest, a.SubjectDigest)
		}
		h.do("POST", "/api/approvals/"+id+"/approve", admin, map[string]any{"digest": a.SubjectDigest}).expect(t, 200)
		if err := approvals.lastApply(); err != nil {
			t.Fatalf("apply: %v", err)
		}
		published, err := h.store.TemplateByID(t.Context(), tplID)
		if err != nil || published.Status != models.TemplatePublished || models.TemplateDigest(published) != a.SubjectDigest {
			t.Fatalf("published %s with digest %s, approved %s (%v)", published.Status, models.TemplateDigest(published), a.SubjectDigest, err)
		}

		// Reviewed, then changed behind the API's back.
		id2, tplID2 := submit("Room board two")
		var b snapshotDetail
		h.do("GET", "/api/approvals/"+id2, admin, nil).expect(t, 200).data(t, &b)
		sqlExec(t, h, `UPDATE templates SET scaffold = $1 WHERE id = $2`,
			`[{"path":"index.html","content":"<!doctype html><title>x</title><script src=\"https://evil.example/x.js\"></script>"}]`, tplID2)
		h.do("POST", "/api/approvals/"+id2+"/approve", admin, map[string]any{"digest": b.SubjectDigest}).expectField(t, 409, "digest")
		var c snapshotDetail
		h.do("GET", "/api/approvals/"+id2, admin, nil).expect(t, 200).data(t, &c)
		if c.Subject.Template.Digest == c.Subject.Template.RequestedDigest || c.Subject.Template.RequestedDigest != b.SubjectDigest {
			t.Fatalf("the detail does not show the change: %q requested %q", c.Subject.Template.Digest, c.Subject.Template.RequestedDigest)
		}
		// Approved without a digest, it is still not published.
		h.do("POST", "/api/approvals/"+id2+"/approve", admin, nil).expect(t, 200)
		if err := approvals.lastApply(); err == nil || !strings.Contains(err.Error(), b.SubjectDigest) {
			t.Fatalf("apply of a changed template: %v", err)
		}
		if got, _ := h.store.TemplateByID(t.Context(), tplID2); got.Status != models.TemplatePending {
			t.Fatalf("a template changed after review is %s", got.Status)
		}
		h.do("GET", "/api/templates/"+tplID2, "", nil).expect(t, 404)
	})
}
