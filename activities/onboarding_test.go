package activities_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/models"
)

type fakeOnboardingStore struct{ activities.OnboardingStore }

func (fakeOnboardingStore) ListTemplates(context.Context, models.TemplateFilter) ([]models.TemplateItem, int64, error) {
	mk := func(slug, complexity string) models.TemplateItem {
		return models.TemplateItem{Template: models.Template{Slug: slug, Name: slug, Category: "Finance", Complexity: complexity,
			Compliance: models.NewJSON([]string{"SOC2"})}}
	}
	return []models.TemplateItem{mk("simple", "low"), mk("rich", "high"), mk("middle", "medium")}, 3, nil
}

type rankingModel struct {
	*ai.Offline
	answer string
}

func (rankingModel) Name() string { return "openai" }
func (m rankingModel) Chat(context.Context, ai.ChatRequest, func(string)) (ai.ChatResult, error) {
	return ai.ChatResult{Content: m.answer}, nil
}

func recommend(t *testing.T, o *activities.Onboarding, role string) []activities.Recommendation {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(o)
	v, err := env.ExecuteActivity(o.Recommend, activities.RecommendInput{UserID: "u", Industry: "finance", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	var out []activities.Recommendation
	if err := v.Get(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func slugs(rs []activities.Recommendation) string {
	out := ""
	for _, r := range rs {
		out += r.Slug + ","
	}
	return out
}

func TestRecommendations(t *testing.T) {
	offline := &activities.Onboarding{Store: fakeOnboardingStore{}, Provider: ai.NewOffline()}
	if got := slugs(recommend(t, offline, "business_user")); got != "simple,middle,rich," {
		t.Fatalf("business user: %s", got)
	}
	if got := slugs(recommend(t, offline, "technical_user")); got != "rich,middle,simple," {
		t.Fatalf("technical user: %s", got)
	}
	model := &activities.Onboarding{Store: fakeOnboardingStore{}, Provider: rankingModel{ai.NewOffline(),
		`Here you go: {"recommendations":[{"slug":"middle","why":"balanced"},{"slug":"made-up","why":"x"}]}`}}
	got := recommend(t, model, "business_user")
	if len(got) != 1 || got[0].Slug != "middle" || got[0].Why != "balanced" {
		t.Fatalf("model ranking: %+v", got)
	}
	garbage := &activities.Onboarding{Store: fakeOnboardingStore{}, Provider: rankingModel{ai.NewOffline(), "no idea"}}
	if got := slugs(recommend(t, garbage, "business_user")); got != "simple,middle,rich," {
		t.Fatalf("fallback: %s", got)
	}
}
