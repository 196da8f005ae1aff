package api

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/forgeai/platform/models"
)

// SubjectStore is what an approval's subject is read with: templates in any
// status, since a template under review is not yet published; deployments
// and the release a deployment replaces, for their snapshots.
type SubjectStore interface {
	TemplateByID(ctx context.Context, id string) (models.Template, error)
	DeploymentByID(ctx context.Context, id string) (models.Deployment, error)
	ReplacedRelease(ctx context.Context, d models.Deployment) (models.Deployment, bool, error)
}

// approvalDetail is one approval with what it is about, for GET
// /api/approvals/:id: whoever may see the approval (its requester, an
// eligible approver, an admin) may read the subject under review.
type approvalDetail struct {
	approvalResponse
	Subject *approvalSubject `json:"subject"`
	// Requester is who asked; null when the user no longer exists.
	Requester *approvalRequester `json:"requester"`
	// SubjectDigest is the digest of what is under review: a deployment's
	// configuration (its snapshot), a template's content; "" for a role
	// change and requests from before snapshots. An approval may send it
	// back (approve's digest) so that it counts only for what was read.
	SubjectDigest string `json:"subjectDigest"`
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

// approvalSubject is the project to deploy (with the deployment's
// snapshot) or the template to publish; null for a role change (the payload
// names the role) or a deleted subject.
type approvalSubject struct {
	Project    *subjectProject    `json:"project,omitempty"`
	Template   *subjectTemplate   `json:"template,omitempty"`
	Deployment *subjectDeployment `json:"deployment,omitempty"`
	digest     string
}

type subjectProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Configuration is what the deployment builds: the configuration it was
	// requested with (its snapshot). For a deployment from before snapshots
	// were recorded, the project's configuration now.
	Configuration map[string]any `json:"configuration"`
}

type subjectTemplate struct {
	ID      string `json:"id"`
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Version int    `json:"version"`
	Status  string `json:"status"`
	// Digest: for a deployment, the digest of the template content the
	// deployment was requested with (the pipeline refuses any other); for a
	// template publication, the digest of the content shown here.
	Digest string `json:"digest"`
	// RequestedDigest (template publication) is the digest the request
	// pinned when it was made; publication happens only while the template
	// still has it. "" for requests from before digests were pinned.
	RequestedDigest string `json:"requestedDigest,omitempty"`
	// ConfigSchema and Scaffold are set for a template publication: the
	// submitted schema and the scaffold's files, content included.
	ConfigSchema json.RawMessage       `json:"configSchema,omitempty"`
	Scaffold     []subjectScaffoldFile `json:"scaffold,omitempty"`
}

type subjectScaffoldFile struct {
	Path    string `json:"path"`
	Bytes   int    `json:"bytes"`
	Content string `json:"content"`
}

// subjectDeployment is the deployment under review: what it builds and how
// that differs from what is live.
type subjectDeployment struct {
	ID     string `json:"id"`
	Seq    int    `json:"seq"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	// Snapshot is what the deployment was requested with and builds; null
	// for a deployment from before snapshots were recorded.
	Snapshot *deploymentSnapshot `json:"snapshot"`
	// Live is the release this deployment replaces (or would replace): null
	// when there is none (a first release).
	Live *liveRelease `json:"live"`
	// Changes go from the live release's configuration to the snapshot's,
	// ordered by path (from an empty configuration for a first release);
	// null when either side's configuration was not recorded.
	Changes []models.ConfigChange `json:"changes"`
}

type deploymentSnapshot struct {
	ProjectName         string         `json:"projectName"`
	Configuration       map[string]any `json:"configuration"`
	ConfigurationDigest string         `json:"configurationDigest"`
	TemplateID          *string        `json:"templateId"`
	TemplateVersion     int            `json:"templateVersion"`
	TemplateDigest      string         `json:"templateDigest"`
}

type liveRelease struct {
	DeploymentID string `json:"deploymentId"`
	Seq          int    `json:"seq"`
	// Configuration and ConfigurationDigest are null and "" for a release
	// deployed before snapshots were recorded.
	Configuration       map[string]any `json:"configuration"`
	ConfigurationDigest string         `json:"configurationDigest"`
}

// approvalSubject loads what approval a is about. The caller has checked
// that the user may see a.
func (s *Server) approvalSubject(ctx context.Context, a models.Approval) (*approvalSubject, error) {
	switch a.Type {
	case models.ApprovalTypeDeployment:
		return s.deploymentSubject(ctx, a)
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
			files[i] = subjectScaffoldFile{Path: f.Path, Bytes: len(f.Content), Content: f.Content}
		}
		digest := models.TemplateDigest(t)
		return &approvalSubject{digest: digest, Template: &subjectTemplate{ID: t.ID, Slug: t.Slug, Name: t.Name, Version: t.Version,
			Status: t.Status, Digest: digest, RequestedDigest: a.PinnedDigest(), ConfigSchema: t.ConfigSchema.V, Scaffold: files}}, nil
	}
	return nil, nil
}

// deploymentSubject is the project, the template and the deployment's
// snapshot, with the changes from the live release.
func (s *Server) deploymentSubject(ctx context.Context, a models.Approval) (*approvalSubject, error) {
	projectID, _ := a.Payload.V["projectId"].(string)
	p, err := s.store.ProjectByID(ctx, projectID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := s.store.DeploymentByID(ctx, a.SubjectID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cfg := p.Configuration.V
	templateID, version, templateDigest := p.TemplateID, p.TemplateVersion, ""
	dep := &subjectDeployment{ID: d.ID, Seq: d.Seq, Kind: d.Kind, Status: d.Status}
	if d.HasSnapshot() {
		cfg = d.SnapshotConfiguration()
		dep.Snapshot = &deploymentSnapshot{ProjectName: d.ProjectName, Configuration: cfg, ConfigurationDigest: d.ConfigurationDigest,
			TemplateID: d.TemplateID, TemplateVersion: d.TemplateVersion, TemplateDigest: d.TemplateDigest}
		version, templateDigest = d.TemplateVersion, d.TemplateDigest
		if d.TemplateID != nil {
			templateID = *d.TemplateID
		}
	}
	if cfg == nil {
		cfg = map[string]any{}
	}
	prev, found, err := s.store.ReplacedRelease(ctx, d)
	if err != nil {
		return nil, err
	}
	switch {
	case found:
		dep.Live = &liveRelease{DeploymentID: prev.ID, Seq: prev.Seq, ConfigurationDigest: prev.ConfigurationDigest}
		if prev.HasSnapshot() {
			dep.Live.Configuration = prev.SnapshotConfiguration()
			if dep.Snapshot != nil {
				dep.Changes = models.DiffConfiguration(dep.Live.Configuration, cfg)
			}
		}
	case dep.Snapshot != nil:
		dep.Changes = models.DiffConfiguration(map[string]any{}, cfg)
	}
	out := &approvalSubject{Project: &subjectProject{ID: p.ID, Name: p.Name, Configuration: cfg}, Deployment: dep, digest: d.ConfigurationDigest}
	t, err := s.store.TemplateByID(ctx, templateID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		// The version the deployment was requested with, not the template's latest.
		out.Template = &subjectTemplate{ID: t.ID, Slug: t.Slug, Name: t.Name, Version: version, Status: t.Status, Digest: templateDigest}
	}
	return out, nil
}
