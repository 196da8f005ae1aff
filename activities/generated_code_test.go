package activities_test

import (
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
)

// Whatever the AI provider generates is untrusted: the build step checks it
// with the same rules as a submitted template's scaffold (build.Validate),
// so generated code that reaches for another app's files, or runs inline
// script, fails the deployment naming the file, and nothing is published.
func TestGeneratedCodeIsCheckedLikeScaffolds(t *testing.T) {
	const page = `<!doctype html><html><head><title>Orders</title>%s</head><body></body></html>`
	hostile := map[string][]ai.File{
		"another app's script": {{Path: "index.html", Content: []byte(strings.Replace(page, "%s", `<script src="../other-slug/x.js"></script>`, 1))}},
		"another app's path":   {{Path: "index.html", Content: []byte(strings.Replace(page, "%s", `<script src="/other-slug/x.js"></script>`, 1))}},
		"protocol-relative":    {{Path: "index.html", Content: []byte(strings.Replace(page, "%s", `<link rel="stylesheet" href="//evil.example.com/x.css">`, 1))}},
		"a module import": {
			{Path: "index.html", Content: []byte(strings.Replace(page, "%s", `<script type="module" src="app.js"></script>`, 1))},
			{Path: "app.js", Content: []byte(`import { read } from "../../other-slug/store.js"; read()`)},
		},
		"inline script handler": {{Path: "index.html", Content: []byte(strings.Replace(page, "%s", `<img src="a.png" onerror="fetch('/x')">`, 1))}},
	}
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, files := range hostile {
		t.Run(name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			acts := &activities.Deployment{Store: buildStore{generateStore{}}, Artifacts: fs, Provider: filesProvider{files: files}, Limits: build.DefaultLimits()}
			env.RegisterActivity(acts)
			val, err := env.ExecuteActivity(acts.GenerateSource, activities.GenerateInput{DeploymentID: "d1"})
			var gen activities.GenerateOutput
			if err != nil || val.Get(&gen) != nil {
				t.Fatalf("generate: %v", err)
			}
			_, err = env.ExecuteActivity(acts.Build, activities.BuildInput{DeploymentID: "d1", SourceDigest: gen.SourceDigest})
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeBuildFailed || !appErr.NonRetryable() {
				t.Fatalf("build of generated code: %v, want a non-retryable %s", err, activities.ErrTypeBuildFailed)
			}
			// The same files as a scaffold fail the same check.
			bf := make([]build.File, len(files))
			for i, f := range files {
				bf[i] = build.File{Path: f.Path, Content: f.Content}
			}
			verr := build.Validate(bf, build.DefaultLimits())
			if verr == nil || !strings.Contains(appErr.Message(), verr.Error()) {
				t.Fatalf("build says %q; the scaffold check says %v", appErr.Message(), verr)
			}
		})
	}
}
