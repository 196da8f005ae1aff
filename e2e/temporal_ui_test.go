package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// e2ePublicURL is the platform's PUBLIC_URL in this test: every link in a
// workflow's details must lead there.
const e2ePublicURL = "http://platform.example.test"

// describedWorkflow is what the Temporal UI shows of a workflow: its static
// summary and details (DescribeWorkflowExecution's user metadata), its
// current details (the SDK's metadata query) and its search attributes.
type describedWorkflow struct {
	summary, details, current string
	keywords                  map[string]string
}

func describeWorkflow(t *testing.T, tc client.Client, id string) describedWorkflow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := tc.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	var w describedWorkflow
	md := d.GetExecutionConfig().GetUserMetadata()
	dc := converter.GetDefaultDataConverter()
	if md.GetSummary() == nil || md.GetDetails() == nil {
		t.Fatalf("%s has no summary or details: %v", id, md)
	}
	if err := dc.FromPayload(md.GetSummary(), &w.summary); err != nil {
		t.Fatal(err)
	}
	if err := dc.FromPayload(md.GetDetails(), &w.details); err != nil {
		t.Fatal(err)
	}
	w.keywords = map[string]string{}
	for name, p := range d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields() {
		var s string
		if dc.FromPayload(p, &s) == nil {
			w.keywords[name] = s
		}
	}
	v, err := tc.QueryWorkflow(ctx, id, "", "__temporal_workflow_metadata")
	if err != nil {
		t.Fatalf("metadata query of %s: %v", id, err)
	}
	var meta sdkpb.WorkflowMetadata
	if err := v.Get(&meta); err != nil {
		t.Fatal(err)
	}
	w.current = meta.GetCurrentDetails()
	return w
}

// markdownLinksTo reports whether md has a link ("](" whose "]" is not
// backslash-escaped) to a destination starting with dest.
func markdownLinksTo(md, dest string) bool {
	for i := strings.Index(md, "]("); i >= 0; {
		backslashes := 0
		for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 && strings.HasPrefix(md[i+2:], dest) {
			return true
		}
		next := strings.Index(md[i+2:], "](")
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return false
}

// mustContain fails unless s holds every one of want.
func mustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// listWorkflows waits until query lists exactly the workflow ids want (in any order).
func listWorkflows(t *testing.T, tc client.Client, query string, want ...string) {
	t.Helper()
	slices.Sort(want)
	var got []string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		got = got[:0]
		for _, e := range resp.GetExecutions() {
			got = append(got, e.GetExecution().GetWorkflowId())
		}
		slices.Sort(got)
		if slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("%s lists %v, want %v", query, got, want)
}

// savedViews are the README's ready-made queries (section "The Temporal
// UI"), with their placeholders; the test runs them as documented.
var savedViews = map[string]string{
	"approver":   `ApprovalStatus = "pending" AND Approvers IN ("<your role>", "<your email>")`,
	"requester":  `ApprovalStatus = "pending" AND RequesterEmail = "<your email>"`,
	"escalated":  `ApprovalStatus = "pending" AND ApprovalEscalated = true`,
	"failed":     `WorkflowType = "DeploymentWorkflow" AND DeploymentStatus = "failed" AND CloseTime >= "<today>T00:00:00Z"`,
	"by project": `WorkflowType = "DeploymentWorkflow" AND ProjectSlug = "<project slug>"`,
}

func view(name string, values ...string) string {
	return strings.NewReplacer(values...).Replace(savedViews[name])
}

// TestTemporalUIReadsLikeThePlatform: what the platform starts reads in
// Temporal without opening the platform. Deployments, their approvals, a
// role request and an onboarding carry a summary and details naming the
// project, owner, kind, requester, who may decide, the deadline and how to
// decide, with links to PUBLIC_URL; current details follow them (the live
// URL once deployed); the README's saved-view queries find them.
func TestTemporalUIReadsLikeThePlatform(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, q := range savedViews {
		if !strings.Contains(string(readme), q) {
			t.Errorf("the README does not document the %s query %s", name, q)
		}
	}
	s := newStackWith(t, "PUBLIC_URL="+e2ePublicURL, "APPROVAL_ESCALATE_AFTER=40s")
	w := s.worker("platform,deploy")
	tc, err := client.Dial(client.Options{HostPort: s.temporal.Address()})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	admin := s.login("ada@example.com")
	bo := s.login("bo@example.com")
	var profile struct{ ID string }
	bo.call("GET", "/api/user/profile", nil, 200, &profile)

	// The admin deploys alone; the business user's deployment waits for an
	// approval, and they ask for a role.
	riverside := admin.project("Riverside Intake", "patient-intake", map[string]any{"appName": "Riverside Clinic"})
	deployed := admin.waitStatus(admin.deploy(riverside).ID, 90*time.Second, "deployed", "failed")
	if deployed.Status != "deployed" {
		t.Fatalf("admin's deployment: %+v", deployed)
	}
	hostile := "Bo's *Clinic* [Approve here](https://evil.example)"
	bosProject := bo.project(hostile, "patient-intake", map[string]any{"appName": "Bo Clinic"})
	var waiting struct {
		ID         string
		ApprovalID *string
	}
	bo.call("POST", "/api/projects/"+bosProject+"/deployments", nil, 202, &waiting)
	bo.waitStatus(waiting.ID, 30*time.Second, "pending_approval")
	if waiting.ApprovalID == nil {
		t.Fatalf("a business user's deployment has no approval: %+v", waiting)
	}
	var role approval
	bo.call("POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "I build the integrations"}, 202, &role)
	bo.waitApproval(role.ID, "pending")
	bo.waitApproval(*waiting.ApprovalID, "pending")

	// A deployment: the project, its owner, the kind; the live URL once done.
	d := describeWorkflow(t, tc, "deployment-"+deployed.ID)
	if d.summary != "Deploy Riverside Intake (`riverside-intake`) for ada@example.com" {
		t.Errorf("deployment summary %q", d.summary)
	}
	mustContain(t, "deployment details", d.details, "**Owner**: ada@example.com", "**Kind**: `deploy`",
		"[project page]("+e2ePublicURL+"/projects/"+riverside+")", "(`patient-intake`) version ", "**Configuration snapshot**: digest `")
	mustContain(t, "deployed deployment's current details", d.current, "**Deployed**: live at [", "]("+deployed.URL+")")
	if d.keywords["ProjectSlug"] != "riverside-intake" || d.keywords["TemplateSlug"] != "patient-intake" ||
		d.keywords["RequesterEmail"] != "ada@example.com" || d.keywords["DeploymentStatus"] != "deployed" {
		t.Errorf("deployment search attributes %v", d.keywords)
	}

	// The deployment waiting for its approval, and the approval: what is
	// asked (the project and its snapshot's digest, the template's), by
	// whom, who may decide, the deadline, how to decide. The project's
	// name shows as text, never as a link.
	d = describeWorkflow(t, tc, "deployment-"+waiting.ID)
	mustContain(t, "waiting deployment's current details", d.current, "**Waiting for approval** `approval-"+*waiting.ApprovalID+"`")
	a := describeWorkflow(t, tc, "approval-"+*waiting.ApprovalID)
	mustContain(t, "deployment approval summary", a.summary, "Approve: deploy project Bo's \\*Clinic\\* \\[Approve here\\](https://evil.example)", "asked by bo@example.com")
	mustContain(t, "deployment approval details", a.details, "**Configuration snapshot**: digest `sha256:", "digest `",
		"**Asked by**: bo@example.com", "**Who may decide**: 1 approval by any `technical_user` or `admin` (never the requester)",
		"**Escalates**: after 40 seconds (", "**Deadline**: after 3 days (", "[Approvals page]("+e2ePublicURL+"/approvals)",
		"curl -X POST "+e2ePublicURL+"/api/approvals/"+*waiting.ApprovalID+"/decision-token", "`temporal workflow signal`",
		"[project page]("+e2ePublicURL+"/projects/"+bosProject+")")
	mustContain(t, "pending approval's current details", a.current, "**Pending**: 0 of 1 approval", "**How to decide**")
	if markdownLinksTo(a.summary+"\n"+a.details+"\n"+a.current, "https://evil.example") {
		t.Errorf("a project's name became a link:\n%s\n%s", a.summary, a.details)
	}
	if a.keywords["ApprovalType"] != "project_deployment" || a.keywords["RequesterEmail"] != "bo@example.com" ||
		a.keywords["TemplateSlug"] != "patient-intake" || !strings.HasPrefix(a.keywords["ProjectSlug"], "bo") {
		t.Errorf("deployment approval search attributes %v", a.keywords)
	}
	r := describeWorkflow(t, tc, "approval-"+role.ID)
	if r.summary != "Approve: make bo@example.com a `technical_user`, asked by bo@example.com" {
		t.Errorf("role approval summary %q", r.summary)
	}
	mustContain(t, "role approval details", r.details, "**Role now**: `business_user`", "**Reason given**: I build the integrations",
		"**Who may decide**: 1 approval by any `admin` (never the requester)")
	o := describeWorkflow(t, tc, "onboarding-"+profile.ID)
	if o.summary != "Onboarding of bo@example.com" {
		t.Errorf("onboarding summary %q", o.summary)
	}
	mustContain(t, "onboarding's current details", o.current, "**Not started**: next step `role`", "**User**: bo@example.com")

	// The README's saved views.
	both := []string{"approval-" + *waiting.ApprovalID, "approval-" + role.ID}
	listWorkflows(t, tc, view("approver", "<your role>", "admin", "<your email>", "ada@example.com"), both...)
	listWorkflows(t, tc, view("approver", "<your role>", "technical_user", "<your email>", "tess@example.com"), both[0])
	listWorkflows(t, tc, view("requester", "<your email>", "bo@example.com"), both...)
	listWorkflows(t, tc, view("escalated"), both...) // APPROVAL_ESCALATE_AFTER is 40s here
	e := describeWorkflow(t, tc, "approval-"+*waiting.ApprovalID)
	mustContain(t, "escalated approval's current details", e.current, "**Escalated**: admins may decide too.")

	// A failed deployment (a worker whose verify cannot reach the apps
	// host), found by today's failures and by its project.
	w.stop(syscall.SIGTERM, 30*time.Second)
	broken := start(t, append(append([]string{}, s.env...), "APPS_INTERNAL_URL=http://127.0.0.1:1"), "worker", "-queues", "platform,deploy")
	broken.waitLog(regexp.MustCompile(`"msg":"worker polling"`), 30*time.Second)
	admin.call("PATCH", "/api/projects/"+riverside, map[string]any{"configuration": map[string]any{"appName": "Unverified"}}, 200, nil)
	failed := admin.waitStatus(admin.deploy(riverside).ID, 120*time.Second, "failed", "deployed")
	if failed.Status != "failed" {
		t.Fatalf("deployment with an unreachable apps host: %+v", failed)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	listWorkflows(t, tc, view("failed", "<today>", today), "deployment-"+failed.ID)
	listWorkflows(t, tc, view("by project", "<project slug>", "riverside-intake"), "deployment-"+deployed.ID, "deployment-"+failed.ID)
	f := describeWorkflow(t, tc, "deployment-"+failed.ID)
	mustContain(t, "failed deployment's current details", f.current, "**Failed**: ", "verify\\_unreachable")
}
