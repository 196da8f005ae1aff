package models_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/forgeai/platform/models"
)

func liveURL(slug string) string { return "http://apps.test/" + slug + "/" }

// built is a new deployment of a new project, with an artifact to publish.
func built(t *testing.T, s *models.Store, owner models.User, name string) models.Deployment {
	t.Helper()
	p := createProject(t, s, owner, templateBySlug(t, s, "order-tracking"), name)
	return nextBuilt(t, s, owner, p.ID)
}

// nextBuilt is a new deployment of the project, with an artifact to publish.
func nextBuilt(t *testing.T, s *models.Store, owner models.User, projectID string) models.Deployment {
	t.Helper()
	d, _, err := s.CreateDeployment(t.Context(), models.NewDeployment{ProjectID: projectID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetArtifactDigest(t.Context(), d.ID, "sha256:"+strings.Repeat("a", 64)); err != nil {
		t.Fatal(err)
	}
	return d
}

// liveOf is the project's live deployment ("" for none).
func liveOf(t *testing.T, s *models.Store, owner models.User, projectID string) string {
	t.Helper()
	p, err := s.GetProject(t.Context(), owner.ID, projectID)
	if err != nil {
		t.Fatal(err)
	}
	if p.LiveDeploymentID == nil {
		return ""
	}
	return *p.LiveDeploymentID
}

// A deployment that already finished is never published: one marked failed
// because its start looked failed (yet its workflow runs), or one cancelled
// while its Publish was still being retried. The refusal names the status.
func TestAFinishedDeploymentNeverGoesLive(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "deployer@example.com")
		for _, status := range []string{models.DeployFailed, models.DeployCancelled} {
			t.Run(status, func(t *testing.T) {
				d := built(t, s, owner, "Orders "+status)
				if _, err := s.FinishDeployment(t.Context(), d.ID, status, "", "the workflow service was unavailable; try again"); err != nil {
					t.Fatal(err)
				}
				_, err := s.PublishRelease(t.Context(), d.ID, liveURL)
				var finished *models.FinishedDeploymentError
				if !errors.As(err, &finished) || finished.Status != status || !strings.Contains(err.Error(), "already finished as "+status) {
					t.Fatalf("publishing a %s deployment: %v", status, err)
				}
				if live := liveOf(t, s, owner, d.ProjectID); live != "" {
					t.Fatalf("the %s deployment's project has live release %s", status, live)
				}
				if evs := eventTypes(t, s, models.DeploymentStream(d.ID)); strings.Contains(evs, "published") {
					t.Fatalf("events %s", evs)
				}
			})
		}
	})
}

// A deployment that finished as anything but deployed takes its release
// with it, even when its Publish committed after the workflow's restore
// (a late attempt): the previous release is live again.
func TestFinishingAnUndeployedDeploymentRestoresThePreviousRelease(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		owner := newUser(t, s, "deployer@example.com")
		first := built(t, s, owner, "Orders")
		if _, err := s.PublishRelease(ctx, first.ID, liveURL); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishDeployment(ctx, first.ID, models.DeployDeployed, liveURL("orders"), ""); err != nil {
			t.Fatal(err)
		}
		second := nextBuilt(t, s, owner, first.ProjectID)
		if err := s.RestoreRelease(ctx, second.ID); err != nil { // the workflow's restore: nothing published yet
			t.Fatal(err)
		}
		if _, err := s.PublishRelease(ctx, second.ID, liveURL); err != nil { // a late attempt commits
			t.Fatal(err)
		}
		if _, err := s.FinishDeployment(ctx, second.ID, models.DeployCancelled, "", "cancelled"); err != nil {
			t.Fatal(err)
		}
		if live := liveOf(t, s, owner, first.ProjectID); live != first.ID {
			t.Fatalf("live deployment %q, want the first %s", live, first.ID)
		}
		p, err := s.GetProject(ctx, owner.ID, first.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != models.ProjectDeployed || p.DeploymentURL != liveURL("orders") {
			t.Fatalf("project %s at %q", p.Status, p.DeploymentURL)
		}
		if evs := eventTypes(t, s, models.DeploymentStream(second.ID)); !strings.HasSuffix(evs, "published,release_restored,finished") {
			t.Fatalf("events %s", evs)
		}
	})
}

// A cancellation racing a publication never leaves the cancelled deployment
// live, whichever commits first, and neither deadlocks.
func TestPublishRacingACancellation(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "deployer@example.com")
		for i := range 8 {
			d := built(t, s, owner, fmt.Sprintf("Race %d", i))
			var wg sync.WaitGroup
			var pubErr, finErr error
			wg.Add(2)
			go func() { defer wg.Done(); _, pubErr = s.PublishRelease(t.Context(), d.ID, liveURL) }()
			go func() {
				defer wg.Done()
				_, finErr = s.FinishDeployment(t.Context(), d.ID, models.DeployCancelled, "", "cancelled")
			}()
			wg.Wait()
			var finished *models.FinishedDeploymentError
			if finErr != nil || (pubErr != nil && !errors.As(pubErr, &finished)) {
				t.Fatalf("publish: %v, finish: %v", pubErr, finErr)
			}
			if live := liveOf(t, s, owner, d.ProjectID); live != "" {
				t.Fatalf("round %d: the cancelled deployment is live", i)
			}
		}
	})
}
