package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
)

// buildStore takes the artifact digest.
type buildStore struct{ activities.Store }

func (buildStore) SetArtifactDigest(context.Context, string, string) error { return nil }

// stuckTrees answers GetTree only once released, ignoring the context, as
// a slow or stuck disk would.
type stuckTrees struct {
	artifacts.Store
	release chan struct{}
}

func (s stuckTrees) GetTree(ctx context.Context, digest string) ([]artifacts.File, error) {
	<-s.release
	return s.Store.GetTree(ctx, digest)
}

// A slow build heartbeats, so its heartbeat timeout does not fail it and a
// cancellation reaches it; once cancelled it returns at once, whatever it
// was waiting for.
func TestBuildHeartbeatsAndReturnsWhenCancelled(t *testing.T) {
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src, err := fs.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte("<!doctype html><title>Orders</title>")}})
	if err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite

	t.Run("a quick build", func(t *testing.T) {
		env := suite.NewTestActivityEnvironment()
		acts := &activities.Deployment{Store: buildStore{}, Artifacts: fs, Limits: build.DefaultLimits()}
		env.RegisterActivity(acts)
		val, err := env.ExecuteActivity(acts.Build, activities.BuildInput{DeploymentID: "d1", SourceDigest: src})
		var out activities.BuildOutput
		if err != nil || val.Get(&out) != nil || !strings.HasPrefix(out.ArtifactDigest, "sha256:") {
			t.Fatalf("build: %+v %v", out, err)
		}
	})

	t.Run("a stuck build", func(t *testing.T) {
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		env := suite.NewTestActivityEnvironment()
		env.SetWorkerOptions(worker.Options{BackgroundActivityContext: ctx})
		beats := make(chan struct{}, 1)
		env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) {
			select {
			case beats <- struct{}{}:
			default:
			}
		})
		acts := &activities.Deployment{Store: buildStore{}, Artifacts: stuckTrees{Store: fs, release: release}, Limits: build.DefaultLimits()}
		env.RegisterActivity(acts)
		done := make(chan error, 1)
		go func() {
			_, err := env.ExecuteActivity(acts.Build, activities.BuildInput{DeploymentID: "d1", SourceDigest: src})
			done <- err
		}()
		select {
		case <-beats:
		case err := <-done:
			t.Fatalf("a stuck build returned: %v", err)
		case <-time.After(5 * time.Second):
			t.Fatal("a build stuck for 5s never heartbeated")
		}
		cancel()
		select {
		case err := <-done:
			// A cancellation from the server is reported as such by the SDK
			// whatever the activity returns; here the context just ends.
			if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
				t.Fatalf("a cancelled build returned %v, want a cancellation", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("a cancelled build did not return within 2s")
		}
	})
}
