package owasp_test

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// world is what the attacks aim at: users of each role and objects that
// belong to alice (a business user), made through the API like any user
// would, before the tests run.
type world struct {
	admin, alice, bob, tech *client

	// alice's project with a deployment waiting for approval (and its
	// approval), a chat session with a pending proposal, a second project
	// deployed (approved by the admin), and a notification.
	aliceProject, aliceProjectName, aliceMarker string
	aliceDeployment, aliceApproval              string
	aliceLiveProject, aliceLive, aliceLiveSlug  string
	aliceChat, aliceProposal                    string
	aliceNotification                           string

	// a template the technical user submitted, waiting for an admin.
	pendingTemplate, pendingTemplateSlug, templateApproval string
}

var w world

// runID keeps names of this run apart.
var runID = uuid.NewString()[:8]

// expect sends a request that must answer want and decodes its data into out.
func (c *client) expect(method, path string, body any, want int, out any) (reply, error) {
	r, err := c.send(method, path, body)
	if err != nil {
		return r, err
	}
	if r.Status != want {
		return r, fmt.Errorf("%s %s as %s: %s, want %d", method, path, c.who(), r, want)
	}
	if out != nil {
		if err := r.decode(out); err != nil {
			return r, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return r, nil
}

// login signs email in with the dev login on base, from an address of its own.
func login(base, email string) (*client, error) {
	c := anonymous(base)
	var out struct {
		Token, RefreshToken string
		User                user
	}
	r, err := c.expect("POST", "/api/auth/dev-login", map[string]string{"email": email, "name": strings.Split(email, "@")[0]}, 200, &out)
	if err != nil {
		return nil, err
	}
	c.token, c.refresh, c.user = out.Token, out.RefreshToken, out.User
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == "forge_csrf" {
			c.csrf = ck.Value
		}
	}
	return c, nil
}

// newUser signs a new business user in on the first API instance.
func (p *platform) newUser(name string) (*client, error) {
	return login(p.base, fmt.Sprintf("%s-%s@owasp.test", name, uuid.NewString()[:6]))
}

// decide approves (or rejects) an approval, retrying while its workflow
// is not open yet or no worker answered.
func (c *client) decide(approvalID string, approve bool, body any) (reply, error) {
	path := "/api/approvals/" + approvalID + "/approve"
	if !approve {
		path = "/api/approvals/" + approvalID + "/reject"
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := c.send("POST", path, body)
		if err != nil {
			return r, err
		}
		retry := (r.Status == 409 && r.code() == "not_ready") || r.Status == 503
		if !retry || time.Now().After(deadline) {
			return r, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type deployment struct {
	ID, ProjectID, Status, URL, PreviewURL, Error, ArtifactDigest, RequestedBy string
	ApprovalID                                                                 *string
	Steps                                                                      []struct{ Name, Status, Error string }
}

// waitDeployment polls a deployment until it reaches one of statuses.
func (c *client) waitDeployment(id string, timeout time.Duration, statuses ...string) (deployment, error) {
	deadline := time.Now().Add(timeout)
	var d deployment
	for {
		if _, err := c.expect("GET", "/api/deployments/"+id, nil, 200, &d); err != nil {
			return d, err
		}
		for _, s := range statuses {
			if d.Status == s {
				return d, nil
			}
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("deployment %s is %q after %s, want %v (error %q)", id, d.Status, timeout, statuses, d.Error)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitRole waits until the user's profile shows role (an approved role
// change is applied by an activity).
func (c *client) waitRole(role string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		var u user
		if _, err := c.expect("GET", "/api/user/profile", nil, 200, &u); err != nil {
			return err
		}
		if u.Role == role {
			c.user = u
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is %s, want %s", c.who(), u.Role, role)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// templateID is the id of a built-in template.
func (c *client) templateID(slug string) (string, error) {
	var t struct{ ID string }
	_, err := c.expect("GET", "/api/templates/"+slug, nil, 200, &t)
	return t.ID, err
}

// newProject creates a patient-intake project with the given app name.
func (c *client) newProject(name, appName string) (string, error) {
	tpl, err := c.templateID("patient-intake")
	if err != nil {
		return "", err
	}
	var p struct{ ID string }
	_, err = c.expect("POST", "/api/projects", map[string]any{"name": name, "templateId": tpl,
		"configuration": map[string]any{"appName": appName}}, 201, &p)
	return p.ID, err
}

// deploy asks for a deployment of the project (202).
func (c *client) deploy(projectID string) (deployment, error) {
	var d deployment
	_, err := c.expect("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	return d, err
}

// chatProposal opens a chat session on the project, sends content and
// returns the session and the proposal the model made.
func (c *client) chatProposal(projectID, content string) (session, proposal string, err error) {
	var cs struct{ ID string }
	if _, err := c.expect("POST", "/api/chat/sessions", map[string]any{"projectId": projectID, "sessionType": "template_config"}, 201, &cs); err != nil {
		return "", "", err
	}
	if _, err := c.expect("POST", "/api/chat/sessions/"+cs.ID+"/messages", map[string]string{"content": content}, 200, nil); err != nil {
		return "", "", err
	}
	var detail struct {
		Proposals []struct{ ID, Status string }
	}
	if _, err := c.expect("GET", "/api/chat/sessions/"+cs.ID, nil, 200, &detail); err != nil {
		return "", "", err
	}
	if len(detail.Proposals) == 0 {
		return cs.ID, "", fmt.Errorf("the chat turn made no proposal")
	}
	return cs.ID, detail.Proposals[0].ID, nil
}

// scaffoldTemplate is a POST /api/templates body: one page showing appName.
func scaffoldTemplate(name string, schema any, index string) map[string]any {
	if schema == nil {
		schema = map[string]any{"type": "object", "properties": map[string]any{
			"appName": map[string]any{"type": "string", "default": "Board", "maxLength": 200}}}
	}
	return map[string]any{
		"name": name, "industry": "healthcare", "compliance": []string{"HIPAA"},
		"description":  "A board that lists the clinic's rooms and their status.",
		"configSchema": schema,
		"scaffold":     []map[string]string{{"path": "index.html", "content": index}},
	}
}

const boardPage = `<!doctype html><html><head><title>{{.Config.appName}}</title></head><body><h1>{{.Config.appName}}</h1></body></html>`

// buildWorld signs the users in (the first is the platform's admin) and
// makes alice's objects.
func (p *platform) buildWorld() error {
	var err error
	if w.admin, err = login(p.base, "admin@owasp.test"); err != nil {
		return err
	}
	if w.admin.user.Role != "admin" {
		return fmt.Errorf("the first user is %s, not admin: the database was not fresh", w.admin.user.Role)
	}
	if w.alice, err = login(p.base, "alice@owasp.test"); err != nil {
		return err
	}
	if w.bob, err = login(p.base, "bob@owasp.test"); err != nil {
		return err
	}
	if w.tech, err = login(p.base, "tech@owasp.test"); err != nil {
		return err
	}
	// tech becomes a technical user the only way there is: a role request an admin approves.
	var req struct{ ID string }
	if _, err := w.tech.expect("POST", "/api/user/role-requests", map[string]string{"role": "technical_user", "reason": "builds templates"}, 202, &req); err != nil {
		return err
	}
	if r, err := w.admin.decide(req.ID, true, map[string]string{"comment": "ok"}); err != nil || r.Status != 200 {
		return fmt.Errorf("approve tech's role request: %v %s", err, r)
	}
	if err := w.tech.waitRole("technical_user"); err != nil {
		return err
	}

	// alice's deployed project: her deployment waits for an approval the admin gives.
	w.aliceLiveProject, err = w.alice.newProject("Alice Live "+runID, "Alice Live App")
	if err != nil {
		return err
	}
	live, err := w.alice.deploy(w.aliceLiveProject)
	if err != nil {
		return err
	}
	if live.ApprovalID == nil {
		return fmt.Errorf("a business user's deployment has no approval: %+v", live)
	}
	if r, err := w.admin.decide(*live.ApprovalID, true, map[string]string{"comment": "ok"}); err != nil || r.Status != 200 {
		return fmt.Errorf("approve alice's deployment: %v %s", err, r)
	}
	w.aliceLive = live.ID

	// alice's project under attack.
	w.aliceMarker = "AliceSecret" + runID
	w.aliceProjectName = "Alice Private " + runID
	if w.aliceProject, err = w.alice.newProject(w.aliceProjectName, w.aliceMarker); err != nil {
		return err
	}
	if w.aliceChat, w.aliceProposal, err = w.alice.chatProposal(w.aliceProject, "Please rename my app"); err != nil {
		return err
	}
	d, err := w.alice.deploy(w.aliceProject)
	if err != nil {
		return err
	}
	if d.ApprovalID == nil || d.Status != "pending_approval" {
		return fmt.Errorf("alice's deployment does not wait for an approval: %+v", d)
	}
	w.aliceDeployment, w.aliceApproval = d.ID, *d.ApprovalID

	// tech's template, waiting for an admin.
	var ap struct {
		ID, SubjectID string
		Payload       struct{ Slug string }
	}
	if _, err := w.tech.expect("POST", "/api/templates", scaffoldTemplate("OWASP Pending Board "+runID, nil, boardPage), 202, &ap); err != nil {
		return err
	}
	w.pendingTemplate, w.templateApproval = ap.SubjectID, ap.ID
	w.pendingTemplateSlug = ap.Payload.Slug

	ld, err := w.alice.waitDeployment(w.aliceLive, 120*time.Second, "deployed", "failed")
	if err != nil {
		return err
	}
	if ld.Status != "deployed" {
		return fmt.Errorf("alice's live deployment %s: %s", ld.Status, ld.Error)
	}
	var proj struct{ Slug string }
	if _, err := w.alice.expect("GET", "/api/projects/"+w.aliceLiveProject, nil, 200, &proj); err != nil {
		return err
	}
	w.aliceLiveSlug = proj.Slug
	deadline := time.Now().Add(30 * time.Second)
	for w.aliceNotification == "" {
		var ns []struct{ ID string }
		if _, err := w.alice.expect("GET", "/api/notifications", nil, 200, &ns); err != nil {
			return err
		}
		if len(ns) > 0 {
			w.aliceNotification = ns[0].ID
		} else if time.Now().After(deadline) {
			return fmt.Errorf("alice has no notification")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil
}
