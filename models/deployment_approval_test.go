package models_test

import (
	"testing"
	"time"

	"github.com/forgeai/platform/models"
)

// A deployment that needs approval is stored together with its approval
// request, so no crash can leave one without the other; a retried request
// finds both.
func TestDeploymentNeedingApprovalComesWithItsApproval(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "business@example.com")
		p := createProject(t, s, owner, templateBySlug(t, s, "order-tracking"), "Orders")
		deadline := time.Now().Add(72 * time.Hour).Truncate(time.Second)
		req := models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy,
			IdempotencyKey: "k1", NeedsApproval: true, ApprovalDeadline: deadline}
		d, created, err := s.CreateDeployment(t.Context(), req)
		if err != nil || !created {
			t.Fatalf("create: %v %v", created, err)
		}
		if d.Status != models.DeployPendingApproval || d.ApprovalID == nil {
			t.Fatalf("deployment %s, approval %v", d.Status, d.ApprovalID)
		}
		a, err := s.GetApproval(t.Context(), *d.ApprovalID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Type != models.ApprovalTypeDeployment || a.SubjectID != d.ID || a.RequesterID != owner.ID || a.Status != "pending" ||
			a.Required != 1 || a.WorkflowID != "approval-"+a.ID || !a.Deadline.Equal(deadline) {
			t.Fatalf("approval %+v", a)
		}
		if roles := a.EligibleRoles.V; len(roles) != 2 || roles[0] != models.RoleTechnicalUser || roles[1] != models.RoleAdmin {
			t.Fatalf("eligible roles %v", roles)
		}
		again, created, err := s.CreateDeployment(t.Context(), req)
		if err != nil || created || again.ID != d.ID || again.ApprovalID == nil || *again.ApprovalID != a.ID {
			t.Fatalf("retry: %+v created=%v %v", again, created, err)
		}
		list, total, err := s.ListApprovals(t.Context(), models.ApprovalFilter{Type: models.ApprovalTypeDeployment, Page: models.Page{Number: 1, Size: 10}})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("approvals after a retry: %d %v", total, err)
		}
	})
}

// Without a deadline the request is refused and nothing is stored.
func TestDeploymentNeedingApprovalNeedsADeadline(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "business@example.com")
		p := createProject(t, s, owner, templateBySlug(t, s, "order-tracking"), "Orders")
		if _, _, err := s.CreateDeployment(t.Context(), models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID,
			Kind: models.KindDeploy, NeedsApproval: true}); err == nil {
			t.Fatal("created a deployment whose approval never expires")
		}
		list, _, err := s.ListDeployments(t.Context(), owner.ID, p.ID, models.Page{Number: 1, Size: 10})
		if err != nil || len(list) != 0 {
			t.Fatalf("deployments after a refused request: %d %v", len(list), err)
		}
	})
}
