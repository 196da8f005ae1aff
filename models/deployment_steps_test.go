package models_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/forgeai/platform/models"
)

func newDeployment(t *testing.T, s *models.Store) models.Deployment {
	t.Helper()
	owner := newUser(t, s, "deployer@example.com")
	p := createProject(t, s, owner, templateBySlug(t, s, "order-tracking"), "Orders")
	d, _, err := s.CreateDeployment(t.Context(), models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func eventTypes(t *testing.T, s *models.Store, stream string) string {
	t.Helper()
	evs, err := s.ReadEvents(t.Context(), stream, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("%s: event %d has seq %d", stream, i, ev.Seq)
		}
		types = append(types, strings.TrimPrefix(ev.Type, "deployment."))
	}
	return strings.Join(types, ",")
}

// Steps are recorded once each: a repeated start (an activity retry) and a
// second outcome change nothing, a finished deployment takes no new step,
// and every change is an event on the deployment's and the project's stream.
func TestDeploymentStepsAreRecordedOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		d := newDeployment(t, s)
		before := eventTypes(t, s, models.DeploymentStream(d.ID))
		for range 2 {
			if _, err := s.StartStep(ctx, d.ID, "build", models.DeployBuilding); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetArtifactDigest(ctx, d.ID, "sha256:ab"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.EndStep(ctx, d.ID, "build", models.StepSucceeded, ""); err != nil {
			t.Fatal(err)
		}
		got, err := s.EndStep(ctx, d.ID, "build", models.StepFailed, "late")
		if err != nil {
			t.Fatal(err)
		}
		// The build's activity run again after it recorded its success
		// (its worker died before reporting it): nothing restarts.
		if got, err = s.StartStep(ctx, d.ID, "build", models.DeployBuilding); err != nil {
			t.Fatal(err)
		}
		if got.Status != models.DeployBuilding || got.ArtifactDigest != "sha256:ab" || len(got.Steps.V) != 1 ||
			got.Steps.V[0].Status != models.StepSucceeded || got.Steps.V[0].StartedAt == nil || got.Steps.V[0].FinishedAt == nil {
			t.Fatalf("after build: %+v", got)
		}
		if _, err := s.FinishDeployment(ctx, d.ID, models.DeployFailed, "", "boom"); err != nil {
			t.Fatal(err)
		}
		got, err = s.StartStep(ctx, d.ID, "publish", models.DeployPublishing)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != models.DeployFailed || len(got.Steps.V) != 1 {
			t.Fatalf("a finished deployment took a step: %+v", got)
		}
		stored, err := s.DeploymentByID(ctx, d.ID)
		if err != nil || stored.Status != models.DeployFailed || stored.ArtifactDigest != "sha256:ab" || len(stored.Steps.V) != 1 {
			t.Fatalf("stored: %+v %v", stored, err)
		}
		want := "step_started,step_finished,finished"
		if before != "" {
			want = before + "," + want
		}
		if got := eventTypes(t, s, models.DeploymentStream(d.ID)); got != want {
			t.Errorf("deployment stream: %s, want %s", got, want)
		}
		var deploymentEvents []string // the project stream also has the project's own events
		for _, typ := range strings.Split(eventTypes(t, s, models.ProjectStream(d.ProjectID)), ",") {
			if !strings.HasPrefix(typ, "project.") {
				deploymentEvents = append(deploymentEvents, typ)
			}
		}
		if got := strings.Join(deploymentEvents, ","); got != want {
			t.Errorf("project stream's deployment events: %s, want %s", got, want)
		}
	})
}

// Concurrent writers of one deployment lose nothing: on Postgres the
// optimistic update retries when another writer got there first.
func TestConcurrentStepWritersLoseNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		d := newDeployment(t, s)
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				step := fmt.Sprintf("step-%02d", i)
				if _, err := s.StartStep(t.Context(), d.ID, step, models.DeployBuilding); err != nil {
					errs <- err
				}
				if _, err := s.EndStep(t.Context(), d.ID, step, models.StepSucceeded, ""); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := s.DeploymentByID(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Steps.V) != n {
			t.Fatalf("%d steps recorded, want %d: %+v", len(got.Steps.V), n, got.Steps.V)
		}
		for _, st := range got.Steps.V {
			if st.Status != models.StepSucceeded || st.FinishedAt == nil {
				t.Errorf("step %+v", st)
			}
		}
		if evs := strings.Count(eventTypes(t, s, models.DeploymentStream(d.ID)), "step_"); evs != 2*n {
			t.Errorf("%d step events, want %d", evs, 2*n)
		}
	})
}
