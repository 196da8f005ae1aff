package api

import (
	"context"

	"github.com/forgeai/platform/internal/deploying"
	"github.com/forgeai/platform/internal/quota"
	"github.com/forgeai/platform/models"
)

// Store is what the handlers need from persistence. Methods return
// models.ErrNotFound / models.ErrConflict (wrapped) for those conditions.
type Store interface {
	LoginUser(ctx context.Context, email, name string) (models.User, bool, error)
	GetUser(ctx context.Context, id string) (models.User, error)
	UpdateProfile(ctx context.Context, id string, patch models.ProfilePatch) (models.User, error)

	ListTemplates(ctx context.Context, f models.TemplateFilter) ([]models.TemplateItem, int64, error)
	GetTemplate(ctx context.Context, idOrSlug, viewerID string) (models.TemplateItem, error)
	GetTemplateSummary(ctx context.Context, idOrSlug, viewerID string) (models.TemplateItem, error)
	TemplateForProject(ctx context.Context, id string) (models.Template, error)
	RateTemplate(ctx context.Context, userID, templateID string, stars int) (models.Template, error)
	SetFavorite(ctx context.Context, userID, templateID string, on bool) error
	// TemplatesVersion and TemplateMarks serve the template cache
	// (templates_cache.go): what was read at a version may be reused while
	// the version stands and reuse is true.
	TemplatesVersion() (v uint64, reuse bool)
	TemplateMarks(ctx context.Context, items []models.TemplateItem, viewerID string) error

	CreateProject(ctx context.Context, in models.NewProject) (models.Project, error)
	ListProjects(ctx context.Context, ownerID string, sort models.ProjectSort, page models.Page) ([]models.Project, int64, error)
	GetProject(ctx context.Context, ownerID, id string) (models.Project, error)
	UpdateProject(ctx context.Context, ownerID, id string, patch models.ProjectPatch) (models.Project, error)
	DeleteProject(ctx context.Context, ownerID, id string) error

	// deploying.Store: what the deployment use case needs (it creates,
	// starts, cancels and ends deployments for the handlers).
	deploying.Store
	ListDeployments(ctx context.Context, ownerID, projectID string, page models.Page) ([]models.Deployment, int64, error)

	StreamOwner(ctx context.Context, stream string) (string, error)

	CreateChatSession(ctx context.Context, cs models.ChatSession) (models.ChatSession, error)
	GetChatSession(ctx context.Context, userID, id string) (models.ChatSession, error)
	ListChatSessions(ctx context.Context, userID string, page models.Page) ([]models.ChatSession, int64, error)
	DeleteChatSession(ctx context.Context, userID, id string) error
	ListChatMessages(ctx context.Context, sessionID string, page models.Page) ([]models.ChatMessage, int64, error)
	RecentChatMessages(ctx context.Context, sessionID string, limit int) ([]models.ChatMessage, error)
	AddChatMessages(ctx context.Context, sessionID string, msgs []models.ChatMessage, proposals []models.ChatProposal) ([]models.ChatMessage, []models.ChatProposal, error)
	ListChatProposals(ctx context.Context, sessionID string) ([]models.ChatProposal, error)
	ApplyProposal(ctx context.Context, ownerID, sessionID, proposalID, projectID string, configuration map[string]any) (models.Project, error)
	MarkProposalInvalid(ctx context.Context, proposalID string, errs []map[string]string) error

	CreateApproval(ctx context.Context, a models.Approval) (models.Approval, error)
	// CreateRoleRequest refuses a second open role change request of a user
	// (*models.OpenRoleRequestError).
	CreateRoleRequest(ctx context.Context, a models.Approval) (models.Approval, error)
	GetApproval(ctx context.Context, id string) (models.Approval, error)
	ListApprovals(ctx context.Context, f models.ApprovalFilter) ([]models.Approval, int64, error)
	CreateUserTemplate(ctx context.Context, t models.Template) (models.Template, error)

	// The AI tokens each user used per day, for the daily budget.
	quota.Usage

	AdminStore
	SubjectStore
	SessionStore
	IdentityStore
}

var _ Store = (*models.Store)(nil)
