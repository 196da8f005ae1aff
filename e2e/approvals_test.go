package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

type decisionToken struct {
	Token, Command, RejectCommand, UIInput string
	ExpiresAt                              time.Time
}

// paste runs a `temporal …` command line as a user pastes it into a shell,
// with this stack's Temporal CLI and server.
func (s *stack) paste(command string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	line, ok := strings.CutPrefix(command, "temporal ")
	if !ok {
		s.t.Fatalf("not a temporal command: %s", command)
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", `"$TEMPORAL" `+line+` --address "$ADDRESS"`)
	cmd.Env = append(cmd.Environ(), "TEMPORAL="+temporalBin, "ADDRESS="+s.temporal.Address())
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("%s: %v\n%s", command, err, out)
	}
}

type approval struct {
	ID, Status, Reason string
	Decisions          []struct{ Via, Email string }
	IgnoredSignals     []struct{ Reason, From string }
}

func (c *apiClient) waitApproval(id, status string) approval {
	c.t.Helper()
	var a approval
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c.call("GET", "/api/approvals/"+id, nil, 200, &a)
		if a.Status == status {
			return a
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("approval %s is %s, want %s", id, a.Status, status)
	return a
}

// waitRole waits until the user's profile shows the role: an approved role
// change is applied by an activity a moment after the approval resolves.
func (c *apiClient) waitRole(role string) {
	c.t.Helper()
	var profile struct{ Role string }
	deadline := time.Now().Add(10 * time.Second)
	for profile.Role != role && time.Now().Before(deadline) {
		c.call("GET", "/api/user/profile", nil, 200, &profile)
		if profile.Role != role {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if profile.Role != role {
		c.t.Fatalf("role is %q, want %q", profile.Role, role)
	}
}

// TestRoleChangeApprovalThroughAPIAndCLI: a user asks for a role; neither
// the requester nor a business user gets a decision token; the admin gets
// one and approves by pasting the `temporal workflow signal` command the API
// answered; the role changes only then. A
// second request is rejected over the API.
func TestRoleChangeApprovalThroughAPIAndCLI(t *testing.T) {
	s := newStack(t)
	s.worker("platform")
	admin := s.login("admin@example.com")
	dana := s.login("dana@example.com")
	eve := s.login("eve@example.com")

	var req approval
	dana.call("POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "I build the integrations"}, 202, &req)
	dana.waitApproval(req.ID, "pending")
	dana.call("POST", "/api/approvals/"+req.ID+"/approve", map[string]string{}, 403, nil) // own request
	dana.call("POST", "/api/approvals/"+req.ID+"/decision-token", nil, 403, nil)
	eve.call("GET", "/api/approvals/"+req.ID, nil, 404, nil)
	eve.call("POST", "/api/approvals/"+req.ID+"/decision-token", nil, 404, nil)
	var decidable []approval
	admin.call("GET", "/api/approvals?mine=decidable", nil, 200, &decidable)
	if len(decidable) != 1 || decidable[0].ID != req.ID {
		t.Fatalf("admin's decidable approvals: %+v", decidable)
	}

	admin.call("POST", "/api/approvals/"+req.ID+"/decision-token", map[string]string{"decision": "maybe"}, 400, nil)
	var dt decisionToken
	admin.call("POST", "/api/approvals/"+req.ID+"/decision-token", map[string]string{"comment": "approved in the CLI"}, 200, &dt)
	if dt.Token == "" || time.Until(dt.ExpiresAt) > 10*time.Minute || !strings.Contains(dt.UIInput, dt.Token) ||
		!strings.HasPrefix(dt.Command, "temporal workflow signal --workflow-id approval-"+req.ID+" --name approve ") ||
		!strings.Contains(dt.RejectCommand, "--name reject") {
		t.Fatalf("decision token answer: %+v", dt)
	}
	s.paste(dt.Command)
	done := admin.waitApproval(req.ID, "approved")
	if len(done.Decisions) != 1 || done.Decisions[0].Via != "signal" || done.Decisions[0].Email != "admin@example.com" || len(done.IgnoredSignals) != 0 {
		t.Fatalf("approval: %+v", done)
	}
	admin.call("POST", "/api/approvals/"+req.ID+"/decision-token", nil, 409, nil)
	dana.waitRole("technical_user")
	recordHistory(t, s.temporal.Address(), "approval-"+req.ID, "approval_role_approved")

	var second approval
	dana.call("POST", "/api/user/role-requests", map[string]string{"role": "admin", "reason": "to help"}, 202, &second)
	dana.waitApproval(second.ID, "pending")
	admin.call("POST", "/api/approvals/"+second.ID+"/reject", map[string]string{"reason": " "}, 400, nil)
	admin.call("POST", "/api/approvals/"+second.ID+"/reject", map[string]string{"reason": "one admin is enough"}, 200, nil)
	rejected := dana.waitApproval(second.ID, "rejected")
	if rejected.Reason != "one admin is enough" {
		t.Fatalf("rejection: %+v", rejected)
	}
	admin.call("POST", "/api/approvals/"+second.ID+"/approve", map[string]string{}, 409, nil)
	var profile struct{ Role string }
	dana.call("GET", "/api/user/profile", nil, 200, &profile)
	if profile.Role != "technical_user" {
		t.Fatalf("a rejected request changed the role to %q", profile.Role)
	}
}

// TestTypedAdminEmailSignalWithoutTokenIsIgnored: a business user who can
// reach Temporal signals approve on their own role change, typing an admin's
// email: the signal is recorded as ignored with the reason, the request stays
// pending and the role does not change.
func TestTypedAdminEmailSignalWithoutTokenIsIgnored(t *testing.T) {
	s := newStack(t)
	s.worker("platform")
	admin := s.login("admin@example.com")
	dana := s.login("dana@example.com")

	var req approval
	dana.call("POST", "/api/user/role-requests", map[string]string{"role": "admin", "reason": "I want in"}, 202, &req)
	dana.waitApproval(req.ID, "pending")
	s.paste(`temporal workflow signal --workflow-id approval-` + req.ID + ` --name approve --input '{"approverEmail":"admin@example.com","comment":"approved"}'`)
	var a approval
	deadline := time.Now().Add(30 * time.Second)
	for len(a.IgnoredSignals) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		admin.call("GET", "/api/approvals/"+req.ID, nil, 200, &a)
	}
	if a.Status != "pending" || len(a.Decisions) != 0 || len(a.IgnoredSignals) != 1 ||
		a.IgnoredSignals[0].From != "admin@example.com" || !strings.Contains(a.IgnoredSignals[0].Reason, "needs a decision token") {
		t.Fatalf("approval: %+v", a)
	}
	var profile struct{ Role string }
	dana.call("GET", "/api/user/profile", nil, 200, &profile)
	if profile.Role == "admin" {
		t.Fatal("a signal without a decision token changed the role")
	}
}

// TestBusinessUserDeploymentWaitsForApproval: the deployment pauses in
// pending_approval until an admin approves over the API, then runs; a second
// one is rejected and ends rejected with the reason.
func TestBusinessUserDeploymentWaitsForApproval(t *testing.T) {
	s := newStack(t)
	s.worker("platform,deploy")
	admin := s.login("admin@example.com")
	biz := s.login("biz@example.com")
	projectID := biz.project("Needs Approval", "returns-management", map[string]any{"appName": "Approved Returns"})

	var d struct {
		ID, Status string
		ApprovalID *string
	}
	biz.call("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	if d.Status != "pending_approval" || d.ApprovalID == nil {
		t.Fatalf("deployment %+v", d)
	}
	waitApprovalOpen(t, admin, *d.ApprovalID)
	biz.call("POST", "/api/approvals/"+*d.ApprovalID+"/approve", map[string]string{}, 403, nil)
	admin.call("POST", "/api/approvals/"+*d.ApprovalID+"/approve", map[string]string{"comment": "ship it"}, 200, nil)
	done := biz.waitStatus(d.ID, 60*time.Second, "deployed", "failed")
	if done.Status != "deployed" || len(done.Steps) != 5 || done.Steps[0].Name != "approval" {
		t.Fatalf("approved deployment %+v", done)
	}
	recordHistory(t, s.temporal.Address(), "deployment-"+d.ID, "deployment_approved")
	recordHistory(t, s.temporal.Address(), "approval-"+*d.ApprovalID, "approval_approved")

	biz.call("PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Second Try"}}, 200, nil)
	biz.call("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	waitApprovalOpen(t, admin, *d.ApprovalID)
	admin.call("POST", "/api/approvals/"+*d.ApprovalID+"/reject", map[string]string{"reason": "freeze until Monday"}, 200, nil)
	rejected := biz.waitStatus(d.ID, 30*time.Second, "rejected")
	if !strings.Contains(rejected.Error, "freeze until Monday") {
		t.Fatalf("rejected deployment %+v", rejected)
	}
	recordHistory(t, s.temporal.Address(), "deployment-"+d.ID, "deployment_rejected")
	var project struct{ Status, StatusMessage string }
	biz.call("GET", "/api/projects/"+projectID, nil, 200, &project)
	if project.Status != "deployed" {
		t.Fatalf("project after a rejected deployment: %+v", project)
	}
}

// waitApprovalOpen waits until the approval's workflow records its request
// (the deployment starts it as a child a moment after the API call).
func waitApprovalOpen(t *testing.T, c *apiClient, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", c.base+"/api/events?stream=approval:"+id+"&after=0", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), "approval.requested") {
				cancel()
				return
			}
		}
		cancel()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("approval %s never opened", id)
}

// TestPendingApprovalSurvivesWorkerCrash: the worker is killed while a
// deployment waits for approval; a new worker picks the workflows up, the
// approver signals from the Temporal CLI, and the deployment continues.
func TestPendingApprovalSurvivesWorkerCrash(t *testing.T) {
	s := newStack(t)
	w := s.worker("platform,deploy")
	admin := s.login("admin@example.com")
	biz := s.login("biz@example.com")
	projectID := biz.project("Crash Approval", "order-tracking", nil)
	var d struct {
		ID         string
		ApprovalID *string
	}
	biz.call("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	waitApprovalOpen(t, admin, *d.ApprovalID)

	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	s.worker("platform,deploy")

	// The approver answers from the Temporal CLI, exactly as the README shows.
	var dt decisionToken
	admin.call("POST", "/api/approvals/"+*d.ApprovalID+"/decision-token",
		map[string]string{"decision": "approve", "comment": "approved in the CLI after the crash"}, 200, &dt)
	s.paste(dt.Command)
	if done := biz.waitStatus(d.ID, 90*time.Second, "deployed", "failed"); done.Status != "deployed" {
		t.Fatalf("deployment after the crash: %+v", done)
	}
}

// TestTemplateSubmissionIsPublishedOnlyAfterApproval: a technical user's
// template is validated, stays out of the gallery, and appears once an
// admin approves; a broken scaffold is refused naming the file.
func TestTemplateSubmissionIsPublishedOnlyAfterApproval(t *testing.T) {
	s := newStack(t)
	s.worker("platform")
	admin := s.login("admin@example.com")
	tech := s.login("tech@example.com")
	var roleReq approval
	tech.call("POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "templates"}, 202, &roleReq)
	waitApprovalOpen(t, admin, roleReq.ID)
	admin.call("POST", "/api/approvals/"+roleReq.ID+"/approve", map[string]string{}, 200, nil)
	admin.waitApproval(roleReq.ID, "approved")
	tech.waitRole("technical_user") // applied by an activity after the decision

	schema := map[string]any{"type": "object", "additionalProperties": false, "required": []string{"appName"},
		"properties": map[string]any{"appName": map[string]any{"type": "string", "default": "Clinic Board", "maxLength": 80}}}
	body := func(index string) map[string]any {
		return map[string]any{"name": "Clinic Board", "industry": "healthcare", "compliance": []string{"HIPAA"},
			"description": "A simple board that lists the clinic's rooms and their status.", "configSchema": schema,
			"scaffold": []map[string]string{{"path": "index.html", "content": index}}}
	}
	bad := `<!doctype html><html><head><title>{{.Config.appName}}</title><script src="https://cdn.example.com/x.js"></script></head><body></body></html>`
	tech.call("POST", "/api/templates", body(bad), 400, nil)
	good := `<!doctype html><html><head><title>{{html .Config.appName}}</title></head><body><h1>{{html .Config.appName}}</h1></body></html>`
	var pending approval
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) { // the role change may take a moment to reach the API's reads
		var probe struct{ Role string }
		tech.call("GET", "/api/user/profile", nil, 200, &probe)
		if probe.Role == "technical_user" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	tech.call("POST", "/api/templates", body(good), 202, &pending)
	var gallery []struct{ Slug string }
	tech.call("GET", "/api/templates?q=clinic%20board", nil, 200, &gallery)
	if len(gallery) != 0 {
		t.Fatalf("a pending template is in the gallery: %+v", gallery)
	}
	waitApprovalOpen(t, admin, pending.ID)
	admin.call("POST", "/api/approvals/"+pending.ID+"/approve", map[string]string{"comment": "nice"}, 200, nil)
	admin.waitApproval(pending.ID, "approved")
	deadline = time.Now().Add(15 * time.Second)
	for len(gallery) == 0 && time.Now().Before(deadline) {
		tech.call("GET", "/api/templates?industry=healthcare&q=board", nil, 200, &gallery)
		time.Sleep(100 * time.Millisecond)
	}
	if len(gallery) != 1 || gallery[0].Slug != "clinic-board" {
		t.Fatalf("gallery after approval: %+v", gallery)
	}
}

// TestCancellingADeploymentCancelsItsApproval: a business user's deployment
// waits for approval and is cancelled; its approval resolves as cancelled,
// for the requester and for approvers (who can no longer decide), with an
// event on its stream and the ApprovalStatus search attribute.
func TestCancellingADeploymentCancelsItsApproval(t *testing.T) {
	s := newStack(t)
	s.worker("platform,deploy")
	admin := s.login("admin@example.com")
	biz := s.login("biz@example.com")
	projectID := biz.project("Cancel Approval", "order-tracking", nil)
	var d struct {
		ID, Status string
		ApprovalID *string
	}
	biz.call("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	if d.Status != "pending_approval" || d.ApprovalID == nil {
		t.Fatalf("deployment %+v", d)
	}
	id := *d.ApprovalID
	waitApprovalOpen(t, admin, id)
	biz.call("POST", "/api/deployments/"+d.ID+"/cancel", nil, 202, nil)
	biz.waitStatus(d.ID, 30*time.Second, "cancelled")

	for _, c := range []*apiClient{biz, admin} {
		if a := c.waitApproval(id, "cancelled"); a.Reason == "" {
			t.Fatalf("cancelled approval without a reason: %+v", a)
		}
	}
	var decidable []approval
	admin.call("GET", "/api/approvals?mine=decidable", nil, 200, &decidable)
	if len(decidable) != 0 {
		t.Fatalf("a cancelled approval is still decidable: %+v", decidable)
	}
	if e := admin.callError("POST", "/api/approvals/"+id+"/approve", map[string]string{}, 409); !strings.Contains(e.Message, "cancelled") {
		t.Fatalf("deciding a cancelled approval: %+v", e)
	}
	if body := readStream(biz, "approval:"+id); !strings.Contains(body, `"status":"cancelled"`) || !strings.Contains(body, "approval.resolved") {
		t.Fatalf("approval stream lacks the cancellation:\n%s", body)
	}
	query := fmt.Sprintf("WorkflowId = 'approval-%s' AND ApprovalStatus = 'cancelled'", id)
	deadline := time.Now().Add(10 * time.Second)
	for countWorkflows(t, s, query) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no workflow matches %s", query)
		}
		time.Sleep(200 * time.Millisecond)
	}
	recordHistory(t, s.temporal.Address(), "approval-"+id, "approval_cancelled")
}

// readStream returns what the stream's Server-Sent Events replay within a moment.
func readStream(c *apiClient, stream string) string {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/events?stream="+stream+"&after=0", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatalf("read %s: %v", stream, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // ends when the context does
	return string(body)
}
