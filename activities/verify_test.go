package activities_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

// verifyStore knows one deployment of one project.
type verifyStore struct{ activities.Store }

func (verifyStore) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return models.Deployment{ID: "d1", ProjectID: "p1"}, nil
}

func (verifyStore) ProjectByID(context.Context, string) (models.Project, error) {
	return models.Project{ID: "p1", Slug: "riverside"}, nil
}

// noLookups fails any lookup: Verify must not need one when given the slug.
type noLookups struct{ activities.Store }

func (noLookups) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return models.Deployment{}, errors.New("looked up the deployment")
}

func (noLookups) ProjectByID(context.Context, string) (models.Project, error) {
	return models.Project{}, errors.New("looked up the project")
}

// liveRelease resolves the slug "riverside" to whatever artifact is live.
type liveRelease struct{ digest string }

func (l *liveRelease) LiveArtifact(_ context.Context, slug string) (string, error) {
	if slug != "riverside" || l.digest == "" {
		return "", artifacts.ErrNotFound
	}
	return l.digest, nil
}

func (l *liveRelease) DeploymentArtifact(context.Context, string) (string, error) {
	return "", artifacts.ErrNotFound
}

func TestVerifyChecksTheLiveReleaseIsTheDeploymentsArtifact(t *testing.T) {
	store, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tree := func(page string) string {
		d, err := store.PutTree(t.Context(), []artifacts.File{
			{Path: "index.html", Content: []byte(page)}, {Path: "app.js", Content: []byte("console.log(1)")},
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ours, previous := tree("<!doctype html><title>Riverside</title>"), tree("<!doctype html><title>Old</title>")
	noIndex, err := store.PutTree(t.Context(), []artifacts.File{{Path: "app.js", Content: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	live := &liveRelease{}
	// The apps host serves each app on its own origin (riverside.apps.test);
	// the worker reaches it at APPS_INTERNAL_URL and names the app's origin
	// in the Host header.
	host := httptest.NewServer(appshost.New(store, live, appshost.MustParseOrigins("http://apps.test"), nil))
	defer host.Close()
	act := &activities.Deployment{Store: verifyStore{}, Artifacts: store, AppsBaseURL: "http://apps.test", AppsFetch: host.URL, HTTP: http.DefaultClient}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(act)

	t.Run("the slug comes from Publish", func(t *testing.T) {
		live.digest = ours
		direct := &activities.Deployment{Store: noLookups{}, Artifacts: store, AppsBaseURL: "http://apps.test", AppsFetch: host.URL, HTTP: http.DefaultClient}
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(direct)
		if _, err := env.ExecuteActivity(direct.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: ours, Slug: "riverside"}); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name, live, artifact, want string
		retryable                  bool
	}{
		{"our release is live", ours, ours, "", false},
		{"the previous release is still live", previous, ours, "serves another release than this deployment's (code verify_wrong_release)", true},
		{"nothing is live", "", ours, "answered HTTP 404 instead of its page (code verify_status)", true},
		{"the artifact has no page", noIndex, noIndex, "no index.html (code verify_no_index)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live.digest = tc.live
			_, err := env.ExecuteActivity(act.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: tc.artifact})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("verify failed: %v", err)
				}
				return
			}
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeVerifyFailed || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want a %s naming %q", err, activities.ErrTypeVerifyFailed, tc.want)
			}
			if appErr.NonRetryable() == tc.retryable {
				t.Errorf("retryable = %v, want %v", !appErr.NonRetryable(), tc.retryable)
			}
			if msg := appErr.Message(); strings.Contains(msg, host.URL) || strings.Contains(msg, "127.0.0.1") || strings.Contains(msg, "apps.test") {
				t.Errorf("the message users read names an address: %q", msg)
			}
		})
	}
}

// Without APPS_INTERNAL_URL the worker fetches the app's own origin, as a
// visitor would; on a development host that is http://<slug>.localhost:port/,
// which the worker's client resolves to loopback as browsers do. A page the
// apps host would serve at the path-based address of earlier versions
// (/riverside/) is only a redirect now.
func TestVerifyFetchesTheAppsOwnOrigin(t *testing.T) {
	store, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ours, err := store.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte("<!doctype html><title>Riverside</title>")}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	seen := make(chan string, 4)
	apps := appshost.New(store, &liveRelease{digest: ours}, appshost.MustParseOrigins(base), nil)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Host
		apps.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	client := &http.Client{Transport: appshost.ResolveLocalhost(http.DefaultTransport.(*http.Transport).Clone())}
	act := &activities.Deployment{Store: noLookups{}, Artifacts: store, AppsBaseURL: base, AppsFetch: base, HTTP: client}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(act)
	if _, err := env.ExecuteActivity(act.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: ours, Slug: "riverside"}); err != nil {
		t.Fatal(err)
	}
	if got, want := <-seen, "riverside."+strings.TrimPrefix(base, "http://"); got != want {
		t.Fatalf("Verify asked for Host %q, want %q", got, want)
	}

	// An apps host that does not answer: the message says so with a code,
	// never the address or the transport error.
	closed := &activities.Deployment{Store: noLookups{}, Artifacts: store, AppsBaseURL: base, AppsFetch: "http://127.0.0.1:1", HTTP: client}
	env = suite.NewTestActivityEnvironment()
	env.RegisterActivity(closed)
	_, err = env.ExecuteActivity(closed.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: ours, Slug: "riverside"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Message() != "verify: the app did not answer at its address (code verify_unreachable)" {
		t.Fatalf("error %v, want verify_unreachable", err)
	}
}
