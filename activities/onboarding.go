package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/models"
)

// OnboardingStore is what the onboarding activities need from persistence.
type OnboardingStore interface {
	SaveOnboarding(ctx context.Context, userID string, in models.OnboardingSave) error
	ListTemplates(ctx context.Context, f models.TemplateFilter) ([]models.TemplateItem, int64, error)
	CreateApproval(ctx context.Context, a models.Approval) (models.Approval, error)
	RemindOnboarding(ctx context.Context, userID string, n int, message string) error
}

// RoleApprovalStarter starts the approval workflow of a role change.
type RoleApprovalStarter func(ctx context.Context, a models.Approval) error

// Onboarding holds the onboarding workflow's activities' dependencies.
type Onboarding struct {
	Store      OnboardingStore
	Provider   ai.Provider // ranks the recommendations; the offline provider's ranking is built in
	StartRole  RoleApprovalStarter
	ApprovalIn func() models.Approval // defaults for new approvals (deadline)
}

// Recommendation is a template suggested to a user, with why.
type Recommendation struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	Why  string `json:"why"`
}

// OnboardingState is a user's onboarding as its workflow keeps it and as
// Save stores it on the user.
type OnboardingState struct {
	Role             string           `json:"role"`
	Industry         string           `json:"industry"`
	BrowsedTemplates []string         `json:"browsedTemplates"`
	FirstProjectID   string           `json:"firstProjectId"`
	Recommendations  []Recommendation `json:"recommendations"`
	RoleApprovalID   string           `json:"roleApprovalId"`
	Completed        bool             `json:"completed"`
	// Updates counts the accepted steps and numbers the stored states, so a
	// retried Save is stored once; Reminders counts the reminders sent.
	Updates   int `json:"updates"`
	Reminders int `json:"reminders"`
}

// OnboardingSave stores the state after a step.
type OnboardingSave struct {
	UserID string
	Step   string
	State  OnboardingState
}

// Save writes the state to the user and an onboarding.step event to
// user:<id>. Idempotent: it writes the whole state, numbered by
// State.Updates, and the store ignores a number it already has.
func (o *Onboarding) Save(ctx context.Context, in OnboardingSave) error {
	raw, err := json.Marshal(in.State)
	if err != nil {
		return fmt.Errorf("encode onboarding state: %w", err)
	}
	return storeError("save onboarding", o.Store.SaveOnboarding(ctx, in.UserID, models.OnboardingSave{
		Step: in.Step, Version: in.State.Updates, State: raw, Industry: in.State.Industry, Completed: in.State.Completed}))
}

// ReminderInput names who gets a reminder.
type ReminderInput struct {
	UserID    string
	Reminders int
}

// Remind sends an inactivity reminder as a user notification. Idempotent:
// reminders are numbered, and a number already sent is not sent again.
func (o *Onboarding) Remind(ctx context.Context, in ReminderInput) error {
	return storeError("remind", o.Store.RemindOnboarding(ctx, in.UserID, in.Reminders,
		"Pick up where you left off: choose a template and create your first project."))
}

// RoleRequest asks for a role at onboarding.
type RoleRequest struct {
	// ApprovalID is the approval's id, chosen by the workflow, so a retried
	// activity finds the approval it created instead of opening another.
	ApprovalID string
	UserID     string
	Role       string
}

// RequestRole opens a role-change approval for the user and starts its
// workflow; it returns the approval id. Idempotent: the approval is stored
// under the id the workflow chose (insert or get), and its workflow is
// started under the approval's workflow id (a running one is left as is).
func (o *Onboarding) RequestRole(ctx context.Context, in RoleRequest) (string, error) {
	a := o.ApprovalIn()
	a.ID = in.ApprovalID
	a.Type, a.SubjectID, a.RequesterID, a.Required = models.ApprovalTypeRoleChange, in.UserID, in.UserID, 1
	a.EligibleRoles = models.NewJSON([]string{models.RoleAdmin})
	a.Payload = models.NewJSON(map[string]any{"role": in.Role, "reason": "chosen at onboarding"})
	a, err := o.Store.CreateApproval(ctx, a)
	if err != nil {
		return "", storeError("create role approval", err)
	}
	if err := o.StartRole(ctx, a); err != nil {
		return "", fmt.Errorf("start role approval: %w", err)
	}
	return a.ID, nil
}

// RecommendInput is what recommendations are personalised by.
type RecommendInput struct {
	UserID   string
	Industry string
	Role     string
}

// Recommend ranks the industry's templates for the role: simpler ones first
// for business users, richer ones first for technical users, then by rating.
// The offline ranking is deterministic; its "why" names what fits.
func (o *Onboarding) Recommend(ctx context.Context, in RecommendInput) ([]Recommendation, error) {
	items, _, err := o.Store.ListTemplates(ctx, models.TemplateFilter{Industry: in.Industry, Sort: models.SortRating,
		Page: models.Page{Number: 1, Size: 50}})
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	rank := func(t models.TemplateItem) int { return slices.Index(catalog.Complexities(), t.Complexity) } // simplest first
	sort.SliceStable(items, func(i, j int) bool {
		ri, rj := rank(items[i]), rank(items[j])
		if in.Role == models.RoleTechnicalUser {
			ri, rj = -ri, -rj
		}
		return ri < rj
	})
	out := make([]Recommendation, 0, min(len(items), 3))
	if ranked := o.askProvider(ctx, in, items); len(ranked) > 0 {
		return ranked, nil
	}
	for _, t := range items[:min(len(items), 3)] {
		why := fmt.Sprintf("%s %s app with %s complexity", article(t.Category), strings.ToLower(t.Category), t.Complexity)
		if len(t.Compliance.V) > 0 {
			why += ", ready for " + strings.Join(t.Compliance.V, ", ")
		}
		if in.Role == models.RoleTechnicalUser {
			why += "; room to extend"
		} else {
			why += "; quick to configure"
		}
		out = append(out, Recommendation{Slug: t.Slug, Name: t.Name, Why: why})
	}
	return out, nil
}

func article(word string) string {
	if word != "" && strings.ContainsAny(strings.ToLower(word[:1]), "aeiou") {
		return "An"
	}
	return "A"
}

// askProvider asks a model (not the offline provider) to rank the candidates
// with a short why, as JSON; any answer it cannot use falls back to the
// built-in ranking, so onboarding never stalls on the model.
func (o *Onboarding) askProvider(ctx context.Context, in RecommendInput, items []models.TemplateItem) []Recommendation {
	if o.Provider == nil || o.Provider.Name() == ai.NewOffline().Name() || len(items) == 0 {
		return nil
	}
	var list strings.Builder
	names := map[string]string{}
	for _, t := range items {
		names[t.Slug] = t.Name
		fmt.Fprintf(&list, "- %s: %s (%s complexity; %s)\n", t.Slug, t.Description, t.Complexity, strings.Join(t.Compliance.V, ", "))
	}
	res, err := o.Provider.Chat(ctx, ai.ChatRequest{MaxTokens: 400, Messages: []ai.Message{
		{Role: "system", Content: `Rank application templates for a new user. Answer only JSON: {"recommendations":[{"slug":"…","why":"one short sentence"}]} with at most 3 entries, best first, using only the slugs given.`},
		{Role: "user", Content: fmt.Sprintf("Industry: %s. Role: %s.\nTemplates:\n%s", in.Industry, in.Role, list.String())},
	}}, func(string) {})
	if err != nil {
		return nil
	}
	var answer struct {
		Recommendations []Recommendation `json:"recommendations"`
	}
	text := strings.TrimSpace(res.Content)
	if i, j := strings.Index(text, "{"), strings.LastIndex(text, "}"); i >= 0 && j > i {
		text = text[i : j+1]
	}
	if json.Unmarshal([]byte(text), &answer) != nil {
		return nil
	}
	var out []Recommendation
	for _, r := range answer.Recommendations {
		if name, known := names[r.Slug]; known && !slices.ContainsFunc(out, func(x Recommendation) bool { return x.Slug == r.Slug }) && len(out) < 3 {
			out = append(out, Recommendation{Slug: r.Slug, Name: name, Why: strings.TrimSpace(r.Why)})
		}
	}
	return out
}
