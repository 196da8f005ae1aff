package models_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// execArgs runs a statement written with ? placeholders on either dialect.
func execArgs(t *testing.T, s *models.Store, query string, args ...any) {
	t.Helper()
	db, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if s.Dialect() == config.Postgres {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", "$"+string(rune('0'+i)), 1)
		}
	}
	if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// A deployment records the name, configuration and template it was
// requested with, and their digests; its approval names the digests.
func TestDeploymentRecordsWhatItWasRequestedWith(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "business@example.com")
		tpl := templateBySlug(t, s, "order-tracking")
		p := createProject(t, s, owner, tpl, "Orders")
		d, _, err := s.CreateDeployment(t.Context(), models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID,
			Kind: models.KindDeploy, NeedsApproval: true, ApprovalDeadline: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		full, err := s.TemplateByID(t.Context(), tpl.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.DeploymentByID(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := models.ConfigurationDigest(map[string]any{"appName": "Orders"})
		if !stored.HasSnapshot() || stored.ConfigurationDigest != want || stored.SnapshotConfiguration()["appName"] != "Orders" ||
			stored.ProjectName != "Orders" || stored.TemplateID == nil || *stored.TemplateID != tpl.ID ||
			stored.TemplateVersion != full.Version || stored.TemplateDigest != models.TemplateDigest(full) {
			t.Fatalf("snapshot %+v", stored)
		}
		if !strings.HasPrefix(want, "sha256:") || len(want) != len("sha256:")+64 {
			t.Fatalf("digest %q", want)
		}
		a, err := s.GetApproval(t.Context(), *d.ApprovalID)
		if err != nil {
			t.Fatal(err)
		}
		if a.PinnedDigest() != want || a.Payload.V[models.PayloadTemplateDigest] != stored.TemplateDigest {
			t.Fatalf("approval payload %v", a.Payload.V)
		}
	})
}

// While a deployment is in flight the project's configuration cannot
// change, neither by a patch nor by applying a chat proposal; its name can,
// and so can an unchanged configuration. Once it ended, changes go through.
func TestConfigurationIsLockedWhileADeploymentIsInFlight(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		owner := newUser(t, s, "business@example.com")
		p := createProject(t, s, owner, templateBySlug(t, s, "order-tracking"), "Orders")
		d, _, err := s.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID,
			Kind: models.KindDeploy, NeedsApproval: true, ApprovalDeadline: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateProject(ctx, owner.ID, p.ID, models.ProjectPatch{Configuration: map[string]any{"appName": "Evil"}})
		var locked *models.ConfigurationLockedError
		if !errors.As(err, &locked) || locked.DeploymentID != d.ID || !errors.Is(err, models.ErrConflict) {
			t.Fatalf("patch while pending approval: %v", err)
		}
		name := "Orders 2"
		if _, err := s.UpdateProject(ctx, owner.ID, p.ID, models.ProjectPatch{Name: &name,
			Configuration: map[string]any{"appName": "Orders"}}); err != nil {
			t.Fatalf("rename with the same configuration: %v", err)
		}
		cs, err := s.CreateChatSession(ctx, models.ChatSession{UserID: owner.ID, ProjectID: &p.ID, SessionType: models.SessionTypes[0],
			Provider: "offline", Model: "offline"})
		if err != nil {
			t.Fatal(err)
		}
		_, props, err := s.AddChatMessages(ctx, cs.ID, []models.ChatMessage{{Role: "assistant", Content: "rename"}},
			[]models.ChatProposal{{Patch: models.NewJSON(map[string]any{"appName": "Evil"}), Summary: "rename", Status: models.ProposalPending}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ApplyProposal(ctx, owner.ID, cs.ID, props[0].ID, p.ID, map[string]any{"appName": "Evil"})
		if !errors.As(err, &locked) {
			t.Fatalf("proposal applied while pending approval: %v", err)
		}
		got, err := s.GetProject(ctx, owner.ID, p.ID)
		if err != nil || got.Configuration.V["appName"] != "Orders" || got.Name != name {
			t.Fatalf("project %+v %v", got, err)
		}
		if _, err := s.FinishDeployment(ctx, d.ID, models.DeployRejected, "", "no"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateProject(ctx, owner.ID, p.ID, models.ProjectPatch{Configuration: map[string]any{"appName": "Next"}}); err != nil {
			t.Fatalf("patch after the deployment ended: %v", err)
		}
	})
}

// publish takes a deployment through to live.
func publish(t *testing.T, s *models.Store, d models.Deployment, artifact string) {
	t.Helper()
	if err := s.SetArtifactDigest(t.Context(), d.ID, artifact); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishRelease(t.Context(), d.ID, func(slug string) string { return "http://apps.test/" + slug + "/" }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishDeployment(t.Context(), d.ID, models.DeployDeployed, "http://apps.test/x/", ""); err != nil {
		t.Fatal(err)
	}
}

// The release a deployment replaces is the live one until it is published,
// then the one that was live before it; a rollback carries the snapshot of
// the deployment it re-publishes.
func TestReplacedReleaseAndRollbackSnapshot(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		owner := newUser(t, s, "tech@example.com")
		p := createProject(t, s, owner, templateBySlug(t, s, "order-tracking"), "Orders")
		first, _, err := s.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy})
		if err != nil {
			t.Fatal(err)
		}
		if _, found, err := s.ReplacedRelease(ctx, first); err != nil || found {
			t.Fatalf("first release replaces %v %v", found, err)
		}
		publish(t, s, first, "sha256:"+strings.Repeat("a", 64))
		if _, found, err := s.ReplacedRelease(ctx, first); err != nil || found {
			t.Fatalf("a published first release replaces %v %v", found, err)
		}
		if _, err := s.UpdateProject(ctx, owner.ID, p.ID, models.ProjectPatch{Configuration: map[string]any{"appName": "Orders 2"}}); err != nil {
			t.Fatal(err)
		}
		second, _, err := s.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy})
		if err != nil {
			t.Fatal(err)
		}
		prev, found, err := s.ReplacedRelease(ctx, second)
		if err != nil || !found || prev.ID != first.ID {
			t.Fatalf("second replaces %v %v %v", prev.ID, found, err)
		}
		changes := models.DiffConfiguration(prev.SnapshotConfiguration(), second.SnapshotConfiguration())
		if len(changes) != 1 || changes[0].Path != "appName" || changes[0].Change != models.ChangeChanged ||
			changes[0].From != "Orders" || changes[0].To != "Orders 2" {
			t.Fatalf("changes %+v", changes)
		}
		publish(t, s, second, "sha256:"+strings.Repeat("b", 64))
		if prev, found, err := s.ReplacedRelease(ctx, second); err != nil || !found || prev.ID != first.ID {
			t.Fatalf("published second replaces %v %v %v", prev.ID, found, err)
		}
		back, _, err := s.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID,
			Kind: models.KindRollback, RollbackOf: first.ID, SourceDigest: first.SourceDigest, ArtifactDigest: "sha256:" + strings.Repeat("a", 64)})
		if err != nil {
			t.Fatal(err)
		}
		if back.ConfigurationDigest != first.ConfigurationDigest || back.SnapshotConfiguration()["appName"] != "Orders" ||
			back.TemplateDigest != first.TemplateDigest {
			t.Fatalf("rollback snapshot %+v", back)
		}
	})
}

func TestDiffConfiguration(t *testing.T) {
	var from, to map[string]any
	_ = json.Unmarshal([]byte(`{"a":1,"b":{"c":"x","d":[1,2]},"gone":true,"same":false}`), &from)
	_ = json.Unmarshal([]byte(`{"a":2,"b":{"c":"x","d":[1,3],"e":null},"new":"n","same":false}`), &to)
	got, _ := json.Marshal(models.DiffConfiguration(from, to))
	want := `[{"path":"a","change":"changed","from":1,"to":2},{"path":"b.d","change":"changed","from":[1,2],"to":[1,3]},` +
		`{"path":"b.e","change":"added"},{"path":"gone","change":"removed","from":true},{"path":"new","change":"added","to":"n"}]`
	if string(got) != want {
		t.Fatalf("diff\n got %s\nwant %s", got, want)
	}
	if d := models.DiffConfiguration(nil, nil); d == nil || len(d) != 0 {
		t.Fatalf("empty diff %v", d)
	}
	// Key order and number spelling do not change a digest.
	var x, y map[string]any
	_ = json.Unmarshal([]byte(`{"b":1.0,"a":"z"}`), &x)
	_ = json.Unmarshal([]byte(`{"a":"z","b":1}`), &y)
	if models.ConfigurationDigest(x) != models.ConfigurationDigest(y) || models.ConfigurationDigest(nil) != models.ConfigurationDigest(map[string]any{}) {
		t.Fatal("equal configurations have different digests")
	}
}

// A template publication pins the template's digest when it is requested;
// approving it publishes exactly that content, and a template changed after
// the request is refused (and stays out of the gallery).
func TestTemplatePublicationPublishesWhatWasApproved(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		tech := newUser(t, s, "tech@example.com")
		submit := func(slug string) (models.Template, models.Approval) {
			t.Helper()
			tpl, err := s.CreateUserTemplate(ctx, models.Template{
				Slug: slug, Name: "Claims desk", Industry: "finance", Description: "A desk for insurance claims, under review.",
				Complexity: "low", Compliance: models.NewJSON([]string{}), Features: models.NewJSON([]string{}), ROI: models.NewJSON(map[string]any{}),
				ConfigSchema:  models.NewJSON(json.RawMessage(`{"type": "object", "properties": {"title": {"type": "string", "default": "Desk"}}}`)),
				Scaffold:      models.NewJSON([]models.ScaffoldFile{{Path: "index.html", Content: "<h1>{{.Config.title}}</h1>"}}),
				ContentDigest: "x", CreatedBy: &tech.ID,
			})
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.CreateApproval(ctx, models.Approval{Type: models.ApprovalTypeTemplate, SubjectID: tpl.ID, RequesterID: tech.ID,
				EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
				Payload: models.NewJSON(map[string]any{"templateId": tpl.ID}), Deadline: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return tpl, a
		}
		tpl, a := submit("claims-desk")
		stored, err := s.TemplateByID(ctx, tpl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.PinnedDigest() == "" || a.PinnedDigest() != models.TemplateDigest(stored) || a.PinnedDigest() != models.TemplateDigest(tpl) {
			t.Fatalf("pinned %q, stored %q, submitted %q", a.PinnedDigest(), models.TemplateDigest(stored), models.TemplateDigest(tpl))
		}
		if err := s.ApplyApproval(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		published, err := s.TemplateByID(ctx, tpl.ID)
		if err != nil || published.Status != models.TemplatePublished || models.TemplateDigest(published) != a.PinnedDigest() {
			t.Fatalf("published %s %v", published.Status, err)
		}

		tpl2, a2 := submit("claims-desk-two")
		execArgs(t, s, "UPDATE templates SET scaffold = ? WHERE id = ?", `[{"path":"index.html","content":"<script>steal()</script>"}]`, tpl2.ID)
		err = s.ApplyApproval(ctx, a2.ID)
		var changed *models.SubjectChangedError
		if !errors.As(err, &changed) || changed.Approved != a2.PinnedDigest() {
			t.Fatalf("applying a changed template: %v", err)
		}
		if got, _ := s.TemplateByID(ctx, tpl2.ID); got.Status != models.TemplatePending {
			t.Fatalf("changed template is %s", got.Status)
		}
	})
}
