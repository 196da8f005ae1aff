package activities_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

// requestedStore is generateStore with a deployment someone requested.
type requestedStore struct{ generateStore }

func (requestedStore) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return models.Deployment{ID: "d1", ProjectID: "p1", RequestedBy: "u-requester"}, nil
}

// tokensProvider generates one file and reports the tokens it used.
type tokensProvider struct{ filesProvider }

func (p tokensProvider) GenerateSource(ctx context.Context, req ai.GenerateRequest) (ai.Generation, error) {
	g, err := p.filesProvider.GenerateSource(ctx, req)
	g.PromptTokens, g.CompletionTokens = 1200, 800
	return g, err
}

type usageLog struct {
	mu      sync.Mutex
	charged map[string]int64
}

func (u *usageLog) AddAIUsage(_ context.Context, userID string, _ time.Time, tokens int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.charged[userID] += tokens
	return nil
}

// A generation's tokens go to its requester's daily budget.
func TestGenerateSourceChargesTheRequestersTokens(t *testing.T) {
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	usage := &usageLog{charged: map[string]int64{}}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts := &activities.Deployment{Store: requestedStore{}, Artifacts: fs, Usage: usage,
		Provider: tokensProvider{filesProvider{files: []ai.File{{Path: "index.html", Content: []byte("<!doctype html><title>x</title>")}}}}}
	env.RegisterActivity(acts)
	if _, err := env.ExecuteActivity(acts.GenerateSource, activities.GenerateInput{DeploymentID: "d1"}); err != nil {
		t.Fatal(err)
	}
	if got := usage.charged["u-requester"]; got != 2000 || len(usage.charged) != 1 {
		t.Fatalf("charged %v, want 2000 tokens to u-requester", usage.charged)
	}
}
