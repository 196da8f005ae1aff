package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

// generateStore is verifyStore's deployment and project, with a template,
// and takes the source digest and progress events.
type generateStore struct{ verifyStore }

func (generateStore) TemplateByID(context.Context, string) (models.Template, error) {
	return models.Template{ID: "t1", Slug: "order-tracking", Name: "Orders"}, nil
}

func (generateStore) SetSourceDigest(context.Context, string, string) error { return nil }

func (generateStore) AppendEvent(context.Context, string, string, any) (int64, error) { return 1, nil }

// filesProvider generates the files it is given.
type filesProvider struct {
	ai.Provider
	files []ai.File
}

func (p filesProvider) Name() string  { return "scripted" }
func (p filesProvider) Model() string { return "scripted" }

func (p filesProvider) GenerateSource(context.Context, ai.GenerateRequest) (ai.Generation, error) {
	return ai.Generation{Files: p.files, Provider: "scripted"}, nil
}

// diskFull fails every write.
type diskFull struct{ artifacts.Store }

func (diskFull) PutTree(context.Context, []artifacts.File) (string, error) {
	return "", errors.New("write blob: no space left on device")
}

// A provider's unsafe file path fails the deployment at once; a store that
// cannot write is retried, since a retry may find it working again.
func TestGenerateSourceTellsBadOutputFromAFailingStore(t *testing.T) {
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good := []ai.File{{Path: "index.html", Content: []byte("<!doctype html><title>x</title>")}}
	for _, tc := range []struct {
		name         string
		store        artifacts.Store
		files        []ai.File
		nonRetryable bool
		message      string
	}{
		{"stored", fs, good, false, ""},
		{"unsafe path", fs, []ai.File{{Path: "../escape.html", Content: []byte("x")}}, true, "generated source: invalid artifact path"},
		{"store down", diskFull{fs}, good, false, "no space left on device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			acts := &activities.Deployment{Store: generateStore{}, Artifacts: tc.store, Provider: filesProvider{files: tc.files}}
			env.RegisterActivity(acts)
			val, err := env.ExecuteActivity(acts.GenerateSource, activities.GenerateInput{DeploymentID: "d1"})
			if tc.message == "" {
				var out activities.GenerateOutput
				if err != nil || val.Get(&out) != nil || !strings.HasPrefix(out.SourceDigest, "sha256:") || out.Files != 1 {
					t.Fatalf("generate: %+v %v", out, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("error %v, want one saying %q", err, tc.message)
			}
			var appErr *temporal.ApplicationError
			if got := errors.As(err, &appErr) && appErr.NonRetryable(); got != tc.nonRetryable {
				t.Fatalf("non-retryable = %v, want %v: %v", got, tc.nonRetryable, err)
			}
		})
	}
}
