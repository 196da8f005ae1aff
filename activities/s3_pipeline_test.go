package activities_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
	"github.com/forgeai/platform/internal/tests3"
)

func TestMain(m *testing.M) {
	code := m.Run()
	tests3.StopShared()
	os.Exit(code)
}

// TestPipelineOnObjectStorageSharesNoDisk runs the pipeline with its
// artifacts on a real S3 server (SeaweedFS), each step in a "process" of its
// own: a deploy worker generates the source, another builds it, an apps host
// serves and verifies the result; every one opens its own connection to the
// bucket and none has a local artifact directory.
func TestPipelineOnObjectStorageSharesNoDisk(t *testing.T) {
	srv := tests3.Shared(t)
	cfg := srv.Config("pipeline-test", tests3.NewPrefix())
	open := func() artifacts.Store {
		t.Helper()
		s, err := artifacts.NewS3(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	page := "<!doctype html><html><head><title>Orders</title></head><body><h1>Orders</h1><script src=\"app.js\"></script></body></html>"
	var suite testsuite.WorkflowTestSuite

	generator := &activities.Deployment{Store: generateStore{}, Artifacts: open(), Provider: filesProvider{files: []ai.File{
		{Path: "index.html", Content: []byte(page)}, {Path: "app.js", Content: []byte("console.log('orders')")},
	}}}
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(generator)
	val, err := env.ExecuteActivity(generator.GenerateSource, activities.GenerateInput{DeploymentID: "d1"})
	var gen activities.GenerateOutput
	if err != nil || val.Get(&gen) != nil || gen.Files != 2 {
		t.Fatalf("generate: %+v %v", gen, err)
	}

	builder := &activities.Deployment{Store: buildStore{}, Artifacts: open(), Limits: build.DefaultLimits()}
	env = suite.NewTestActivityEnvironment()
	env.RegisterActivity(builder)
	val, err = env.ExecuteActivity(builder.Build, activities.BuildInput{DeploymentID: "d1", SourceDigest: gen.SourceDigest})
	var built activities.BuildOutput
	if err != nil || val.Get(&built) != nil {
		t.Fatalf("build: %+v %v", built, err)
	}

	host := httptest.NewServer(appshost.New(open(), &liveRelease{digest: built.ArtifactDigest}, appshost.MustParseOrigins("http://apps.test"), nil))
	defer host.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, host.URL+"/", nil)
	req.Host = "riverside.apps.test"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get(appshost.ArtifactHeader) != built.ArtifactDigest || len(body) == 0 {
		t.Fatalf("apps host: %d, artifact %q, %d bytes", res.StatusCode, res.Header.Get(appshost.ArtifactHeader), len(body))
	}

	verifier := &activities.Deployment{Store: verifyStore{}, Artifacts: open(), AppsBaseURL: "http://apps.test", AppsFetch: host.URL, HTTP: http.DefaultClient}
	env = suite.NewTestActivityEnvironment()
	env.RegisterActivity(verifier)
	if _, err := env.ExecuteActivity(verifier.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: built.ArtifactDigest}); err != nil {
		t.Fatalf("verify: %v", err)
	}
}
