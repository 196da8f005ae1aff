package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Chat session types.
var SessionTypes = []string{"onboarding", "template_config", "workflow_builder"}

// ChatSession is a row of chat_sessions.
type ChatSession struct {
	ID          string
	UserID      string
	ProjectID   *string
	SessionType string
	Provider    string
	Model       string
	Context     JSON[map[string]any]
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ChatToolCall is a tool call an assistant message made.
type ChatToolCall struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ChatMessage is a row of chat_messages. Ids are time-ordered, so ordering
// by id is ordering by creation.
type ChatMessage struct {
	ID               string
	SessionID        string
	Role             string
	Content          string
	ToolCalls        JSON[[]ChatToolCall]
	ToolCallID       string
	PromptTokens     int
	CompletionTokens int
	Provider         string
	Model            string
	CreatedAt        time.Time
}

// Proposal statuses.
const (
	ProposalPending    = "pending"
	ProposalApplied    = "applied"
	ProposalInvalid    = "invalid"
	ProposalSuperseded = "superseded"
)

// ChatProposal is a configuration change the assistant proposed.
type ChatProposal struct {
	ID         string
	SessionID  string
	MessageID  string
	ToolCallID string
	Patch      JSON[map[string]any]
	Summary    string
	Status     string
	Errors     JSON[[]map[string]string]
	CreatedAt  time.Time
	AppliedAt  *time.Time
}

// ChatStream names a chat session's stream.
func ChatStream(id string) string { return "chat:" + id }

// CreateChatSession stores a new session of the user.
func (s *Store) CreateChatSession(ctx context.Context, cs ChatSession) (ChatSession, error) {
	cs.ID = newID()
	if cs.Context.V == nil {
		cs.Context = NewJSON(map[string]any{})
	}
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		if err := tx.Create(&cs).Error; err != nil {
			return err
		}
		return s.emit(tx, ev, ChatStream(cs.ID), "chat.session_created", map[string]any{
			"sessionId": cs.ID, "sessionType": cs.SessionType, "projectId": cs.ProjectID,
		})
	})
	return cs, translate("create chat session", err)
}

// GetChatSession returns the user's session.
func (s *Store) GetChatSession(ctx context.Context, userID, id string) (ChatSession, error) {
	var cs ChatSession
	err := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Take(&cs).Error
	return cs, translate("get chat session", err)
}

// ListChatSessions returns a page of the user's sessions, newest first.
func (s *Store) ListChatSessions(ctx context.Context, userID string, page Page) ([]ChatSession, int64, error) {
	q := s.db.WithContext(ctx).Model(&ChatSession{}).Where("user_id = ?", userID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count chat sessions: %w", err)
	}
	var rows []ChatSession
	err := q.Order("created_at DESC, id DESC").Limit(page.Size).Offset(page.offset()).Find(&rows).Error
	return rows, total, translate("list chat sessions", err)
}

// DeleteChatSession removes the user's session with its messages and proposals.
func (s *Store) DeleteChatSession(ctx context.Context, userID, id string) error {
	res := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&ChatSession{})
	if res.Error != nil {
		return translate("delete chat session", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete chat session: %w", ErrNotFound)
	}
	return nil
}

// ListChatMessages returns a page of a session's messages, oldest first.
func (s *Store) ListChatMessages(ctx context.Context, sessionID string, page Page) ([]ChatMessage, int64, error) {
	q := s.db.WithContext(ctx).Model(&ChatMessage{}).Where("session_id = ?", sessionID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count chat messages: %w", err)
	}
	var rows []ChatMessage
	err := q.Order("id ASC").Limit(page.Size).Offset(page.offset()).Find(&rows).Error
	return rows, total, translate("list chat messages", err)
}

// RecentChatMessages returns up to limit of the session's latest messages, oldest first.
func (s *Store) RecentChatMessages(ctx context.Context, sessionID string, limit int) ([]ChatMessage, error) {
	var rows []ChatMessage
	err := s.db.WithContext(ctx).Where("session_id = ?", sessionID).Order("id DESC").Limit(limit).Find(&rows).Error
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows, translate("recent chat messages", err)
}

// AddChatMessages stores messages (and proposals) of one turn and appends a
// durable chat.message event per visible message, in one transaction.
func (s *Store) AddChatMessages(ctx context.Context, sessionID string, msgs []ChatMessage, proposals []ChatProposal) ([]ChatMessage, []ChatProposal, error) {
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		for i := range msgs {
			msgs[i].ID, msgs[i].SessionID = newID(), sessionID
			if msgs[i].ToolCalls.V == nil {
				msgs[i].ToolCalls = NewJSON([]ChatToolCall{})
			}
			if err := tx.Create(&msgs[i]).Error; err != nil {
				return err
			}
		}
		for i := range proposals {
			proposals[i].ID, proposals[i].SessionID = newID(), sessionID
			if proposals[i].MessageID == "" && len(msgs) > 0 {
				proposals[i].MessageID = msgs[0].ID
			}
			if proposals[i].Errors.V == nil {
				proposals[i].Errors = NewJSON([]map[string]string{})
			}
			if err := tx.Create(&proposals[i]).Error; err != nil {
				return err
			}
		}
		for _, m := range msgs {
			if m.Role == "tool" {
				continue
			}
			data := map[string]any{"messageId": m.ID, "role": m.Role, "content": m.Content,
				"promptTokens": m.PromptTokens, "completionTokens": m.CompletionTokens}
			if m.Role == "assistant" {
				data["proposals"] = proposalSummaries(proposals)
			}
			if err := s.emit(tx, ev, ChatStream(sessionID), "chat.message", data); err != nil {
				return err
			}
		}
		return tx.Model(&ChatSession{}).Where("id = ?", sessionID).Update("updated_at", time.Now().UTC()).Error
	})
	return msgs, proposals, translate("add chat messages", err)
}

func proposalSummaries(ps []ChatProposal) []map[string]any {
	out := make([]map[string]any, len(ps))
	for i, p := range ps {
		out[i] = map[string]any{"id": p.ID, "status": p.Status, "summary": p.Summary, "patch": p.Patch.V, "errors": p.Errors.V}
	}
	return out
}

// ListChatProposals returns a session's proposals, oldest first.
func (s *Store) ListChatProposals(ctx context.Context, sessionID string) ([]ChatProposal, error) {
	var rows []ChatProposal
	err := s.db.WithContext(ctx).Where("session_id = ?", sessionID).Order("created_at, id").Find(&rows).Error
	return rows, translate("list proposals", err)
}

// ApplyProposal applies a pending proposal's result to the owner's project:
// configuration is the already-validated new configuration. The proposal is
// marked applied and the change is an event on the chat and project streams.
func (s *Store) ApplyProposal(ctx context.Context, ownerID, sessionID, proposalID, projectID string, configuration map[string]any) (Project, error) {
	var p Project
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var pr ChatProposal
		if err := lockRow(tx, s.dialect).Where("id = ? AND session_id = ?", proposalID, sessionID).Take(&pr).Error; err != nil {
			return err
		}
		if pr.Status != ProposalPending {
			return fmt.Errorf("proposal is %s: %w", pr.Status, ErrConflict)
		}
		if err := lockRow(tx, s.dialect).Where("id = ? AND owner_id = ?", projectID, ownerID).Take(&p).Error; err != nil {
			return err
		}
		if err := refuseConfigurationChange(tx, p, configuration); err != nil {
			return err
		}
		p.Configuration = NewJSON(configuration)
		if err := tx.Model(&p).Select("configuration", "updated_at").Updates(&p).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := tx.Model(&pr).Updates(map[string]any{"status": ProposalApplied, "applied_at": now}).Error; err != nil {
			return err
		}
		if err := s.emit(tx, ev, ChatStream(sessionID), "chat.proposal_applied", map[string]any{"proposalId": pr.ID, "projectId": p.ID}); err != nil {
			return err
		}
		return s.emit(tx, ev, ProjectStream(p.ID), "project.updated", map[string]any{
			"projectId": p.ID, "name": p.Name, "description": p.Description, "configurationChanged": true, "proposalId": pr.ID,
		})
	})
	return p, translate("apply proposal", err)
}

// MarkProposalInvalid records why a proposal can no longer be applied.
func (s *Store) MarkProposalInvalid(ctx context.Context, proposalID string, errs []map[string]string) error {
	raw, _ := json.Marshal(errs)
	err := s.db.WithContext(ctx).Model(&ChatProposal{}).Where("id = ? AND status = ?", proposalID, ProposalPending).
		Updates(map[string]any{"status": ProposalInvalid, "errors": string(raw)}).Error
	return translate("mark proposal invalid", err)
}
