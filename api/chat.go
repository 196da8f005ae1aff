package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

type chatSessionResponse struct {
	ID          string    `json:"id"`
	ProjectID   *string   `json:"projectId"`
	SessionType string    `json:"sessionType"`
	Provider    string    `json:"provider"`
	Model       string    `json:"model"`
	Stream      string    `json:"stream"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func toChatSession(cs models.ChatSession) chatSessionResponse {
	return chatSessionResponse{ID: cs.ID, ProjectID: cs.ProjectID, SessionType: cs.SessionType, Provider: cs.Provider,
		Model: cs.Model, Stream: models.ChatStream(cs.ID), CreatedAt: cs.CreatedAt, UpdatedAt: cs.UpdatedAt}
}

type chatMessageResponse struct {
	ID               string                `json:"id"`
	Role             string                `json:"role"`
	Content          string                `json:"content"`
	ToolCalls        []models.ChatToolCall `json:"toolCalls,omitempty"`
	PromptTokens     int                   `json:"promptTokens"`
	CompletionTokens int                   `json:"completionTokens"`
	Provider         string                `json:"provider,omitempty"`
	Model            string                `json:"model,omitempty"`
	CreatedAt        time.Time             `json:"createdAt"`
}

type proposalResponse struct {
	ID        string              `json:"id"`
	MessageID string              `json:"messageId"`
	Status    string              `json:"status"`
	Summary   string              `json:"summary"`
	Patch     map[string]any      `json:"patch"`
	Errors    []map[string]string `json:"errors"`
	CreatedAt time.Time           `json:"createdAt"`
	AppliedAt *time.Time          `json:"appliedAt"`
}

func toProposal(p models.ChatProposal) proposalResponse {
	return proposalResponse{ID: p.ID, MessageID: p.MessageID, Status: p.Status, Summary: p.Summary, Patch: p.Patch.V,
		Errors: p.Errors.V, CreatedAt: p.CreatedAt, AppliedAt: p.AppliedAt}
}

type createChatRequest struct {
	ProjectID   *string `json:"projectId" validate:"omitnil,uuid"`
	SessionType string  `json:"sessionType" validate:"required,oneof=onboarding template_config workflow_builder"`
}

func (s *Server) createChatSession(c *fiber.Ctx) error {
	var req createChatRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUserID(c)
	if req.ProjectID != nil {
		id := strings.ToLower(*req.ProjectID)
		if _, err := s.store.GetProject(ctx, user, id); err != nil {
			if isNotFound(err) {
				return invalid("invalid request", FieldError{Field: "projectId", Message: "no project of yours has this id"})
			}
			return err
		}
		req.ProjectID = &id
	}
	cs, err := s.store.CreateChatSession(ctx, models.ChatSession{
		UserID: user, ProjectID: req.ProjectID, SessionType: req.SessionType, Provider: s.ai.Name(), Model: s.ai.Model(),
	})
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusCreated, toChatSession(cs))
}

func (s *Server) listChatSessions(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.ListChatSessions(c.UserContext(), currentUserID(c), page)
	if err != nil {
		return err
	}
	out := make([]chatSessionResponse, len(rows))
	for i, r := range rows {
		out[i] = toChatSession(r)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

type chatSessionDetail struct {
	chatSessionResponse
	Messages  []chatMessageResponse `json:"messages"`
	Proposals []proposalResponse    `json:"proposals"`
}

// getChatSession returns the session with a page of its messages (oldest
// first; page and pageSize) and all its proposals.
func (s *Server) getChatSession(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	cs, err := s.store.GetChatSession(ctx, currentUserID(c), id)
	if err != nil {
		return err
	}
	msgs, total, err := s.store.ListChatMessages(ctx, cs.ID, page)
	if err != nil {
		return err
	}
	props, err := s.store.ListChatProposals(ctx, cs.ID)
	if err != nil {
		return err
	}
	d := chatSessionDetail{chatSessionResponse: toChatSession(cs), Messages: []chatMessageResponse{}, Proposals: []proposalResponse{}}
	for _, m := range msgs {
		if m.Role == "tool" {
			continue // the model's bookkeeping; proposals show the outcome
		}
		d.Messages = append(d.Messages, chatMessageResponse{ID: m.ID, Role: m.Role, Content: m.Content, ToolCalls: m.ToolCalls.V,
			PromptTokens: m.PromptTokens, CompletionTokens: m.CompletionTokens, Provider: m.Provider, Model: m.Model, CreatedAt: m.CreatedAt})
	}
	for _, p := range props {
		d.Proposals = append(d.Proposals, toProposal(p))
	}
	return okList(c, d, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

func (s *Server) deleteChatSession(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteChatSession(c.UserContext(), currentUserID(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// applyProposal applies a pending proposal to the session's project after
// validating the result against the template schema again.
func (s *Server) applyProposal(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	pid, err := uuidParam(c, "pid")
	if err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUserID(c)
	cs, err := s.store.GetChatSession(ctx, user, id)
	if err != nil {
		return err
	}
	if cs.ProjectID == nil {
		return &Error{Status: fiber.StatusConflict, Code: "no_project", Message: "this chat session has no project to apply changes to"}
	}
	props, err := s.store.ListChatProposals(ctx, cs.ID)
	if err != nil {
		return err
	}
	var prop *models.ChatProposal
	for i := range props {
		if props[i].ID == pid {
			prop = &props[i]
		}
	}
	if prop == nil {
		return &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such proposal in this session"}
	}
	if prop.Status != models.ProposalPending {
		return &Error{Status: fiber.StatusConflict, Code: "proposal_" + prop.Status, Message: "the proposal is " + prop.Status}
	}
	p, err := s.store.GetProject(ctx, user, *cs.ProjectID)
	if err != nil {
		return err
	}
	t, err := s.store.TemplateForProject(ctx, p.TemplateID)
	if err != nil {
		return err
	}
	cfg, err := s.checkConfiguration(t, mergeConfiguration(p.Configuration.V, prop.Patch.V))
	if err != nil {
		if apiErr, isAPI := err.(*Error); isAPI {
			errs := make([]map[string]string, len(apiErr.Details))
			for i, d := range apiErr.Details {
				errs[i] = map[string]string{"field": d.Field, "message": d.Message}
			}
			if merr := s.store.MarkProposalInvalid(ctx, prop.ID, errs); merr != nil {
				return merr
			}
		}
		return err
	}
	updated, err := s.store.ApplyProposal(ctx, user, cs.ID, prop.ID, p.ID, cfg)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toProject(updated))
}
