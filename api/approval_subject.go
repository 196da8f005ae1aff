package api

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/forgeai/platform/models"
)

// SubjectStore is what an approval's subject is read with: templates in any
// status, since a template under review is not yet published.
type SubjectStore interface {
	TemplateByID(ctx context.Context, id string) (models.Template, error)
}

// approvalDetail is one approval with what it is about, for GET
// /api/approvals/:id: whoever may see the approval (its requester, an
// eligible approver, an admin) may read the subject under review.
type approvalDetail struct {
	approvalResponse
	Subject *approvalSubject `json:"subject"`
	// Requester is who asked; null when the user no longer exists.
	Requester *approvalRequester `json:"requester"`
}

// approvalRequester names who asked for an approval, for its approvers.
type approvalRequester struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// approvalRequesterOf loads who asked for a; nil if they are gone.
func (s *Server) approvalRequesterOf(ctx context.Context, a models.Approval) (*approvalRequester, error) {
	u, err := s.store.GetUser(ctx, a.RequesterID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &approvalRequester{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}, nil
}

// approvalSubject is the project to deploy or the template to publish; null
// for a role change (the payload names the role) or a deleted subject.
type approvalSubject struct {
	Project  *subjectProject  `json:"project,omitempty"`
	Template *subjectTemplate `json:"template,omitempty"`
}

type subjectProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Configuration is the project's configuration now: a deployment keeps
	// no copy of it, and the approved deployment is generated from it.
	Configuration map[string]any `json:"configuration"`
}

type subjectTemplate struct {
	ID      string `json:"id"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	Status  string `json:"status"`
	// ConfigSchema and Scaffold are set for a template publication: the
	// submitted schema and the scaffold's file list (paths and sizes).
	ConfigSchema json.RawMessage       `json:"configSchema,omitempty"`
	Scaffold     []subjectScaffoldFile `json:"scaffold,omitempty"`
}

type subjectScaffoldFile struct {
	Path  string `json:"path"`
	Bytes int    `json:"bytes"`
}

// approvalSubject loads what approval a is about. The caller has checked
// that the user may see a.
func (s *Server) approvalSubject(ctx context.Context, a models.Approval) (*approvalSubject, error) {
	switch a.Type {
	case models.ApprovalTypeDeployment:
		projectID, _ := a.Payload.V["projectId"].(string)
		p, err := s.store.ProjectByID(ctx, projectID)
		if errors.Is(err, models.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		cfg := p.Configuration.V
		if cfg == nil {
			cfg = map[string]any{}
		}
		out := &approvalSubject{Project: &subjectProject{ID: p.ID, Name: p.Name, Configuration: cfg}}
		t, err := s.store.TemplateByID(ctx, p.TemplateID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if err == nil {
			// The version the project was made from, not the template's latest.
			out.Template = &subjectTemplate{ID: t.ID, Slug: t.Slug, Name: t.Name, Version: p.TemplateVersion, Status: t.Status}
		}
		return out, nil
	case models.ApprovalTypeTemplate:
		t, err := s.store.TemplateByID(ctx, a.SubjectID)
		if errors.Is(err, models.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		files := make([]subjectScaffoldFile, len(t.Scaffold.V))
		for i, f := range t.Scaffold.V {
			files[i] = subjectScaffoldFile{Path: f.Path, Bytes: len(f.Content)}
		}
		return &approvalSubject{Template: &subjectTemplate{ID: t.ID, Slug: t.Slug, Name: t.Name, Version: t.Version,
			Status: t.Status, ConfigSchema: t.ConfigSchema.V, Scaffold: files}}, nil
	}
	return nil, nil
}
