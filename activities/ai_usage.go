package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/models"
)

// AIUsage records the AI tokens a user used (models.Store), for the daily
// token budget the API checks before it starts a deployment or a chat turn.
type AIUsage interface {
	AddAIUsage(ctx context.Context, userID string, day time.Time, tokens int64) error
}

// chargeGeneration charges a generation's tokens to whoever requested the
// deployment. A retried activity that calls the model again is charged
// again, as the provider bills it; a failure to record is only logged.
func (a *Deployment) chargeGeneration(ctx context.Context, d models.Deployment, gen ai.Generation) {
	tokens := gen.PromptTokens + gen.CompletionTokens
	if a.Usage == nil || tokens <= 0 {
		return
	}
	if err := a.Usage.AddAIUsage(ctx, d.RequestedBy, time.Now(), int64(tokens)); err != nil {
		activity.GetLogger(ctx).Warn("recording the generation's AI tokens failed", "deployment_id", d.ID, "tokens", tokens, "error", err.Error())
	}
}
