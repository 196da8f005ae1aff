package activities_test

import (
	"context"
	"sync/atomic"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
)

// countedPuts counts the trees written to the store under it.
type countedPuts struct {
	artifacts.Store
	puts atomic.Int64
}

func (c *countedPuts) PutTree(ctx context.Context, files []artifacts.File) (string, error) {
	c.puts.Add(1)
	return c.Store.PutTree(ctx, files)
}

// A build whose bundle is its source file for file stores nothing: the
// artifact is the source tree it just read. One that changed a file stores
// the bundle.
func TestBuildStoresOnlyWhatBundlingChanged(t *testing.T) {
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		page    string
		puts    int64
		changed bool
	}{
		{"bundled as is", "<!doctype html><title>Orders</title>\n", 0, false},
		{"line endings normalized", "<!doctype html>\r\n<title>Orders</title>", 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, err := fs.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte(c.page)}})
			if err != nil {
				t.Fatal(err)
			}
			store := &countedPuts{Store: fs}
			acts := &activities.Deployment{Store: buildStore{}, Artifacts: store, Limits: build.DefaultLimits()}
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(acts)
			val, err := env.ExecuteActivity(acts.Build, activities.BuildInput{DeploymentID: "d1", SourceDigest: src})
			var out activities.BuildOutput
			if err != nil || val.Get(&out) != nil {
				t.Fatalf("build: %+v %v", out, err)
			}
			if n := store.puts.Load(); n != c.puts {
				t.Errorf("%d trees stored; want %d", n, c.puts)
			}
			if (out.ArtifactDigest != src) != c.changed {
				t.Errorf("artifact %s, source %s", out.ArtifactDigest, src)
			}
			if _, err := fs.GetTree(t.Context(), out.ArtifactDigest); err != nil {
				t.Errorf("the artifact is not stored: %v", err)
			}
		})
	}
}
