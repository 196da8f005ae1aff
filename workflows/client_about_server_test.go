package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// directory is a store with one user, project, deployment, template and approval.
type directory struct{}

var (
	dana    = models.User{ID: "u-dana", Email: "dana@example.com", Name: "Dana", Role: models.RoleBusinessUser}
	tplID   = "t-1"
	project = models.Project{ID: "p-1", OwnerID: dana.ID, TemplateID: tplID, TemplateVersion: 2, Name: "Riverside Intake", Slug: "riverside-intake"}
	dep     = models.Deployment{ID: "d-1", ProjectID: project.ID, RequestedBy: dana.ID, Kind: models.KindDeploy, ProjectName: "Riverside Intake",
		ConfigurationDigest: "sha256:c0ffee", TemplateID: &tplID, TemplateVersion: 2, TemplateDigest: "sha256:7e57"}
	tpl = models.Template{ID: tplID, Slug: "patient-intake", Name: "Patient Intake", Version: 2,
		Scaffold: models.NewJSON([]models.ScaffoldFile{{Path: "index.html", Content: "<h1>{{.Config.appName}}</h1>"}})}
)

func (directory) GetUser(_ context.Context, id string) (models.User, error) {
	if id == dana.ID {
		return dana, nil
	}
	return models.User{}, models.ErrNotFound
}
func (directory) ProjectByID(context.Context, string) (models.Project, error)       { return project, nil }
func (directory) DeploymentByID(context.Context, string) (models.Deployment, error) { return dep, nil }
func (directory) TemplateByID(context.Context, string) (models.Template, error)     { return tpl, nil }
func (directory) GetApproval(_ context.Context, id string) (models.Approval, error) {
	return models.Approval{ID: id, Deadline: time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC),
		Payload: models.NewJSON(map[string]any{"role": models.RoleTechnicalUser, "from": models.RoleBusinessUser, "reason": "I build the *integrations*"})}, nil
}

// metadata reads a workflow's static summary and details back through DescribeWorkflowExecution.
func metadata(t *testing.T, c client.Client, id string) (summary, details string) {
	t.Helper()
	d, err := c.DescribeWorkflowExecution(t.Context(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	md := d.GetExecutionConfig().GetUserMetadata()
	dc := converter.GetDefaultDataConverter()
	if err := dc.FromPayload(md.GetSummary(), &summary); err != nil {
		t.Fatalf("summary of %s: %v", id, err)
	}
	if err := dc.FromPayload(md.GetDetails(), &details); err != nil {
		t.Fatalf("details of %s: %v", id, err)
	}
	return summary, details
}

// listed waits until query lists exactly the workflow ids want.
func listed(t *testing.T, c client.Client, query string, want ...string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := c.ListWorkflow(t.Context(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		got = got[:0]
		for _, e := range resp.GetExecutions() {
			got = append(got, e.GetExecution().GetWorkflowId())
		}
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
	}
	t.Fatalf("%s lists %v, want %v", query, got, want)
}

// The client starts workflows with a summary, details and search
// attributes made from the store: names and emails beside the ids,
// durations as text, links to PUBLIC_URL; the queries of the README find them.
func TestClientDescribesTheWorkflowsItStarts(t *testing.T) {
	c := devServer(t)
	wf := workflows.NewClient(c).Describe(directory{}, "https://platform.example.test/")
	ctx := t.Context()
	if err := wf.StartDeployment(ctx, workflows.DeploymentInput{DeploymentID: dep.ID, ProjectID: project.ID, OwnerID: dana.ID}); err != nil {
		t.Fatal(err)
	}
	if err := wf.StartApproval(ctx, workflows.ApprovalInput{ApprovalID: "a-1", Type: models.ApprovalTypeRoleChange, SubjectID: dana.ID,
		RequesterID: dana.ID, EligibleRoles: []string{models.RoleAdmin}, Required: 1, EscalateAfter: 24 * time.Hour, Timeout: 72 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	summary, details := metadata(t, c, workflows.DeploymentWorkflowID(dep.ID))
	if summary != "Deploy Riverside Intake (`riverside-intake`) for dana@example.com" {
		t.Errorf("deployment summary %q", summary)
	}
	for _, want := range []string{"Dana (dana@example.com)", "[project page](https://platform.example.test/projects/p-1)", "`deploy`",
		"Patient Intake (`patient-intake`) version 2, digest `sha256:7e57`", "digest `sha256:c0ffee`"} {
		if !strings.Contains(details, want) {
			t.Errorf("deployment details lack %q:\n%s", want, details)
		}
	}
	summary, details = metadata(t, c, workflows.ApprovalWorkflowID("a-1"))
	if summary != "Approve: make dana@example.com a `technical_user`, asked by dana@example.com" {
		t.Errorf("approval summary %q", summary)
	}
	for _, want := range []string{"**Reason given**: I build the \\*integrations\\*", "**Role now**: `business_user`",
		"after 1 day", "after 3 days (2030-01-02 03:04 UTC)", "[Approvals page](https://platform.example.test/approvals)",
		"https://platform.example.test/api/approvals/a-1/decision-token"} {
		if !strings.Contains(details, want) {
			t.Errorf("approval details lack %q:\n%s", want, details)
		}
	}
	listed(t, c, `WorkflowType = "DeploymentWorkflow" AND ProjectSlug = "riverside-intake" AND TemplateSlug = "patient-intake" AND RequesterEmail = "dana@example.com"`,
		workflows.DeploymentWorkflowID(dep.ID))
	listed(t, c, `ApprovalStatus = "pending" AND RequesterEmail = "dana@example.com"`, workflows.ApprovalWorkflowID("a-1"))
	listed(t, c, `ApprovalStatus = "pending" AND Approvers IN ("admin", "someone@example.com")`, workflows.ApprovalWorkflowID("a-1"))
	listed(t, c, `ApprovalStatus = "pending" AND Approvers = "technical_user"`)
	listed(t, c, `ApprovalStatus = "pending" AND ApprovalEscalated = false`, workflows.ApprovalWorkflowID("a-1"))
}
