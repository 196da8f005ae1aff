package workflows

import (
	"context"
	"time"

	"github.com/forgeai/platform/models"
)

// Directory is what the client reads to describe a workflow it starts:
// names, emails, slugs and digests beside the ids of the input.
// *models.Store is one.
type Directory interface {
	GetUser(ctx context.Context, id string) (models.User, error)
	ProjectByID(ctx context.Context, id string) (models.Project, error)
	DeploymentByID(ctx context.Context, id string) (models.Deployment, error)
	TemplateByID(ctx context.Context, id string) (models.Template, error)
	GetApproval(ctx context.Context, id string) (models.Approval, error)
}

// describeTimeout bounds the reads of one description: a description is
// worth less than starting the workflow, so a slow store never holds it up.
const describeTimeout = 3 * time.Second

// Describe makes the client describe every workflow it starts for the
// Temporal UI: it reads the names, emails, slugs and digests from dir into
// the input's About, and starts the workflow with a static summary and
// details and the search attributes that go with them. Links point to
// platformURL (PUBLIC_URL). Without it (nil dir), workflows show their ids.
func (w *Client) Describe(dir Directory, platformURL string) *Client {
	w.dir, w.platformURL = dir, platformURL
	return w
}

// aboutDeployment describes a deployment: its project, owner, kind,
// template and snapshot digests. What cannot be read is left out.
func (w *Client) aboutDeployment(ctx context.Context, in DeploymentInput) *About {
	ab := &About{PlatformURL: w.platformURL, ProjectID: in.ProjectID, Kind: deploymentKind(in)}
	if in.ApprovalID != "" {
		ab.EscalateAfter, ab.Timeout = Duration(in.ApprovalEscalateAfter), Duration(in.ApprovalTimeout)
	}
	if w.dir == nil {
		return ab
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	templateID := ""
	if d, err := w.dir.DeploymentByID(ctx, in.DeploymentID); err == nil {
		ab.Kind, ab.ConfigurationDigest, ab.ProjectName = d.Kind, d.ConfigurationDigest, d.ProjectName
		ab.TemplateVersion, ab.TemplateDigest = d.TemplateVersion, d.TemplateDigest
		if d.RollbackOf != nil {
			ab.RollbackOf = *d.RollbackOf
		}
		if d.TemplateID != nil {
			templateID = *d.TemplateID
		}
		if d.RequestedBy != "" && d.RequestedBy != in.OwnerID {
			if u, err := w.dir.GetUser(ctx, d.RequestedBy); err == nil {
				ab.RequesterEmail, ab.RequesterName = u.Email, u.Name
			}
		}
	}
	if p, err := w.dir.ProjectByID(ctx, in.ProjectID); err == nil {
		ab.ProjectSlug = p.Slug
		if ab.ProjectName == "" {
			ab.ProjectName = p.Name
		}
		if templateID == "" {
			templateID, ab.TemplateVersion = p.TemplateID, p.TemplateVersion
		}
	}
	if u, err := w.dir.GetUser(ctx, in.OwnerID); err == nil {
		ab.OwnerEmail, ab.OwnerName = u.Email, u.Name
		if ab.RequesterEmail == "" {
			ab.RequesterEmail, ab.RequesterName = u.Email, u.Name
		}
	}
	if templateID != "" {
		if t, err := w.dir.TemplateByID(ctx, templateID); err == nil {
			ab.TemplateSlug, ab.TemplateName = t.Slug, t.Name
		}
	}
	return ab
}

// aboutApproval describes an approval: who asked, what (the project and
// its snapshot digests, the template and its digest, or the role), who may
// decide, and when it escalates and expires. What cannot be read is left out.
func (w *Client) aboutApproval(ctx context.Context, in ApprovalInput, now time.Time) *About {
	ab := &About{PlatformURL: w.platformURL, Timeout: Duration(in.Timeout), Deadline: stamp(now.Add(in.Timeout))}
	if in.EscalateAfter > 0 && in.EscalateAfter < in.Timeout {
		ab.EscalateAfter, ab.EscalatesAt = Duration(in.EscalateAfter), stamp(now.Add(in.EscalateAfter))
	}
	if w.dir == nil {
		return ab
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	if u, err := w.dir.GetUser(ctx, in.RequesterID); err == nil {
		ab.RequesterEmail, ab.RequesterName = u.Email, u.Name
	}
	for _, id := range in.EligibleUsers {
		if u, err := w.dir.GetUser(ctx, id); err == nil {
			ab.EligibleUserEmails = append(ab.EligibleUserEmails, u.Email)
		}
	}
	if len(ab.EligibleUserEmails) != len(in.EligibleUsers) {
		ab.EligibleUserEmails = nil // ids then, all of them
	}
	var payload map[string]any
	if a, err := w.dir.GetApproval(ctx, in.ApprovalID); err == nil {
		payload = a.Payload.V
		if !a.Deadline.IsZero() {
			ab.Deadline = stamp(a.Deadline)
		}
	}
	str := func(key string) string { s, _ := payload[key].(string); return s }
	switch in.Type {
	case models.ApprovalTypeDeployment:
		d := DeploymentInput{DeploymentID: in.SubjectID, OwnerID: in.RequesterID}
		if dep, err := w.dir.DeploymentByID(ctx, in.SubjectID); err == nil {
			d.ProjectID = dep.ProjectID
		}
		if d.ProjectID != "" {
			dep := w.aboutDeployment(ctx, d)
			ab.ProjectID, ab.ProjectName, ab.ProjectSlug, ab.OwnerEmail, ab.OwnerName = dep.ProjectID, dep.ProjectName, dep.ProjectSlug, dep.OwnerEmail, dep.OwnerName
			ab.Kind, ab.ConfigurationDigest = dep.Kind, dep.ConfigurationDigest
			ab.TemplateSlug, ab.TemplateName, ab.TemplateVersion, ab.TemplateDigest = dep.TemplateSlug, dep.TemplateName, dep.TemplateVersion, dep.TemplateDigest
		}
	case models.ApprovalTypeTemplate:
		if t, err := w.dir.TemplateByID(ctx, in.SubjectID); err == nil {
			ab.TemplateSlug, ab.TemplateName, ab.TemplateVersion = t.Slug, t.Name, t.Version
			ab.TemplateDigest = models.TemplateDigest(t)
			ab.ScaffoldFiles = len(t.Scaffold.V)
			for _, f := range t.Scaffold.V {
				ab.ScaffoldBytes += len(f.Content)
			}
		}
		if pinned := str(models.PayloadTemplateDigest); pinned != "" {
			ab.TemplateDigest = pinned // what the approval binds
		}
	case models.ApprovalTypeRoleChange:
		ab.Role, ab.RoleFrom, ab.Reason = str("role"), str("from"), str("reason")
	}
	return ab
}

// aboutOnboarding describes an onboarding: whose it is, and its reminder as text.
func (w *Client) aboutOnboarding(ctx context.Context, in OnboardingInput) *About {
	ab := &About{PlatformURL: w.platformURL, ReminderAfter: Duration(in.ReminderAfter)}
	if w.dir == nil {
		return ab
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	if u, err := w.dir.GetUser(ctx, in.UserID); err == nil {
		ab.RequesterEmail, ab.RequesterName = u.Email, u.Name
	}
	return ab
}
