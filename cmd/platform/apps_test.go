package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// The apps host, on the real store, serves a deployment's artifact at its
// own origin (d--<id>.<domain>) only once the deployment went live: the
// artifact of one still running, failed or cancelled answers 404 to anyone.
// The live release is at the project's own origin.
func TestAppsHostServesOnlyArtifactsThatWentLive(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			store := testdb.Open(t, d)
			arts, err := artifacts.NewFS(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			digest, err := arts.PutTree(ctx, []artifacts.File{{Path: "index.html", Content: []byte("<!doctype html><title>secret draft</title>")}})
			if err != nil {
				t.Fatal(err)
			}
			origins := appshost.MustParseOrigins("http://apps.test")
			host := appshost.New(arts, releaseResolver{store}, origins, nil)
			get := func(url string) int {
				rec := httptest.NewRecorder()
				host.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
				return rec.Code
			}
			u, tpl := ownerAndTemplate(t, store)
			built := func(name string) models.Deployment {
				dep := newDeployment(t, store, u, tpl, name, false)
				if err := store.SetArtifactDigest(ctx, dep.ID, digest); err != nil {
					t.Fatal(err)
				}
				return dep
			}
			running := built("Running")
			failed := built("Failed")
			if _, err := store.FinishDeployment(ctx, failed.ID, models.DeployFailed, "", "verify failed"); err != nil {
				t.Fatal(err)
			}
			cancelled := built("Cancelled")
			if _, err := store.FinishDeployment(ctx, cancelled.ID, models.DeployCancelled, "", "cancelled"); err != nil {
				t.Fatal(err)
			}
			for name, dep := range map[string]models.Deployment{"running": running, "failed": failed, "cancelled": cancelled} {
				if code := get(origins.DeploymentURL(dep.ID)); code != http.StatusNotFound {
					t.Errorf("the artifact of a %s deployment answers %d, want 404", name, code)
				}
			}

			live := built("Live")
			pub, err := store.PublishRelease(ctx, live.ID, origins.LiveURL)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.FinishDeployment(ctx, live.ID, models.DeployDeployed, pub.URL, ""); err != nil {
				t.Fatal(err)
			}
			if pub.URL != "http://live.apps.test/" {
				t.Fatalf("live URL %q", pub.URL)
			}
			for _, url := range []string{origins.DeploymentURL(live.ID), pub.URL} {
				if code := get(url); code != http.StatusOK {
					t.Errorf("GET %s = %d, want 200", url, code)
				}
			}
		})
	}
}

func TestWarnsWhenAppsShareTheAPIsSite(t *testing.T) {
	for _, tc := range []struct {
		public, apps string
		warn         bool
	}{
		{"https://platform.example.com", "https://apps.example.com", true},
		{"https://platform.example.com", "https://apps.platform.example.com", true},
		{"https://platform.example.com", "https://example-apps.net", false},
		{"http://localhost:8080", "http://localhost:8081", false},
	} {
		var buf strings.Builder
		log := slog.New(slog.NewTextHandler(&buf, nil))
		warnSharedSite(config.Config{PublicURL: tc.public}, appshost.MustParseOrigins(tc.apps), log)
		if got := strings.Contains(buf.String(), "shares its site"); got != tc.warn {
			t.Errorf("%s and %s: warned %v, want %v (%s)", tc.public, tc.apps, got, tc.warn, buf.String())
		}
	}
}
