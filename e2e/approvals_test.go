package e2e_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

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

// TestRoleChangeApprovalThroughAPIAndCLI: a user asks for a role; an
// ineligible signal is recorded and ignored; the admin approves with the
// exact `temporal workflow signal` command from the README; the role changes
// only then. A second request is rejected over the API.
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
	eve.call("GET", "/api/approvals/"+req.ID, nil, 404, nil)
	var decidable []approval
	admin.call("GET", "/api/approvals?mine=decidable", nil, 200, &decidable)
	if len(decidable) != 1 || decidable[0].ID != req.ID {
		t.Fatalf("admin's decidable approvals: %+v", decidable)
	}

	signal := func(input string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, temporalBin, "workflow", "signal", "--address", s.temporal.Address(),
			"--workflow-id", "approval-"+req.ID, "--name", "approve", "--input", input)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("temporal workflow signal: %v\n%s", err, out)
		}
	}
	signal(`{"approverEmail":"eve@example.com","comment":"me too"}`)
	signal(`{"approverEmail":"admin@example.com","comment":"approved in the CLI"}`)
	done := admin.waitApproval(req.ID, "approved")
	if len(done.Decisions) != 1 || done.Decisions[0].Via != "signal" || len(done.IgnoredSignals) != 1 ||
		!strings.Contains(done.IgnoredSignals[0].Reason, "not eligible") {
		t.Fatalf("approval: %+v", done)
	}
	var profile struct{ Role string }
	deadline := time.Now().Add(10 * time.Second)
	for profile.Role != "technical_user" && time.Now().Before(deadline) {
		dana.call("GET", "/api/user/profile", nil, 200, &profile)
		time.Sleep(100 * time.Millisecond)
	}
	if profile.Role != "technical_user" {
		t.Fatalf("role after approval: %q", profile.Role)
	}

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
	dana.call("GET", "/api/user/profile", nil, 200, &profile)
	if profile.Role != "technical_user" {
		t.Fatalf("a rejected request changed the role to %q", profile.Role)
	}
}
