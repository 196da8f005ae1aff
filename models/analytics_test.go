package models_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// setTimes runs an UPDATE of one row's timestamps with the store's own
// connection, so the tests place activity in time (the store stamps now).
func setTimes(t *testing.T, s *models.Store, table, id string, cols map[string]time.Time) {
	t.Helper()
	db, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	set, args, n := "", []any{}, 0
	ph := func() string {
		n++
		if s.Dialect() == config.Postgres {
			return fmt.Sprintf("$%d", n)
		}
		return "?"
	}
	for col, at := range cols {
		if set != "" {
			set += ", "
		}
		set += col + " = " + ph()
		args = append(args, at.UTC())
	}
	q := "UPDATE " + table + " SET " + set + " WHERE id = " + ph()
	if _, err := db.ExecContext(t.Context(), q, append(args, id)...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAnalyticsKPIs(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		day := 24 * time.Hour
		ago := func(d time.Duration) time.Time { return now.Add(-d) }

		empty, err := s.AnalyticsKPIs(ctx, now)
		if err != nil {
			t.Fatalf("AnalyticsKPIs on an empty platform: %v", err)
		}
		if empty.Deployments.SuccessRate != nil || empty.Deployments.MedianDurationSeconds != nil ||
			empty.PendingApprovals.OldestAgeSeconds != nil || empty.Onboarding.CompletionRate != nil ||
			len(empty.TopTemplatesByUsage) != 0 || len(empty.DeploymentsPerDay) != models.AnalyticsDays {
			t.Errorf("empty platform: %+v", empty)
		}

		// a (admin) deploys today, b requested a deployment 5 days ago, c 20
		// days ago, d only chatted 6 days ago, e signed up 2 hours ago.
		a, b, c := newUser(t, s, "a@example.com"), newUser(t, s, "b@example.com"), newUser(t, s, "c@example.com")
		d, e := newUser(t, s, "d@example.com"), newUser(t, s, "e@example.com")
		for _, u := range []models.User{a, b, c, d} {
			setTimes(t, s, "users", u.ID, map[string]time.Time{"created_at": ago(100 * day)})
		}
		setTimes(t, s, "users", e.ID, map[string]time.Time{"created_at": ago(2 * time.Hour)})
		db, err := s.SQL()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "UPDATE users SET onboarding_completed = TRUE WHERE email IN ('b@example.com', 'c@example.com')"); err != nil {
			t.Fatal(err)
		}

		orders, kyc := templateBySlug(t, s, "order-tracking"), templateBySlug(t, s, "kyc-onboarding")
		pa, pb, pc := createProject(t, s, a, orders, "A"), createProject(t, s, b, orders, "B"), createProject(t, s, c, kyc, "C")
		for _, p := range []models.Project{pa, pb, pc} {
			setTimes(t, s, "projects", p.ID, map[string]time.Time{"created_at": ago(100 * day)})
		}
		for _, r := range []struct {
			u     models.User
			tpl   models.TemplateItem
			stars int
		}{{a, kyc, 5}, {b, orders, 4}, {c, orders, 2}} {
			if _, err := s.RateTemplate(ctx, r.u.ID, r.tpl.ID, r.stars); err != nil {
				t.Fatal(err)
			}
		}
		cs, err := s.CreateChatSession(ctx, models.ChatSession{UserID: d.ID, SessionType: models.SessionTypes[0], Provider: "offline", Model: "offline"})
		if err != nil {
			t.Fatal(err)
		}
		setTimes(t, s, "chat_sessions", cs.ID, map[string]time.Time{"created_at": ago(6 * day), "updated_at": ago(6 * day)})

		// deploy creates a deployment, ends it with status (unless it waits
		// for approval) and places it in time.
		deploy := func(p models.Project, owner models.User, status string, created time.Time, ran time.Duration) {
			t.Helper()
			req := models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy}
			if status == models.DeployPendingApproval {
				req.NeedsApproval, req.ApprovalDeadline = true, now.Add(72*time.Hour)
			}
			dep, _, err := s.CreateDeployment(ctx, req)
			if err != nil {
				t.Fatalf("CreateDeployment: %v", err)
			}
			if status == models.DeployPendingApproval {
				setTimes(t, s, "deployments", dep.ID, map[string]time.Time{"created_at": created})
				setTimes(t, s, "approvals", *dep.ApprovalID, map[string]time.Time{"created_at": created})
				return
			}
			if _, err := s.FinishDeployment(ctx, dep.ID, status, "", ""); err != nil {
				t.Fatalf("FinishDeployment: %v", err)
			}
			setTimes(t, s, "deployments", dep.ID, map[string]time.Time{"created_at": created, "finished_at": created.Add(ran)})
		}
		deploy(pa, a, models.DeployDeployed, ago(3*day+100*time.Second), 100*time.Second) // 2026-03-07
		deploy(pa, a, models.DeployFailed, ago(3*day+300*time.Second), 300*time.Second)   // 2026-03-07
		deploy(pa, a, models.DeployDeployed, ago(10*time.Hour+200*time.Second), 200*time.Second)
		deploy(pb, b, models.DeployCancelled, ago(6*day), 50*time.Second)
		deploy(pb, b, models.DeployPendingApproval, ago(5*day), 0)
		deploy(pc, c, models.DeployDeployed, ago(41*day), time.Minute) // finished outside the window
		deploy(pc, c, models.DeployPendingApproval, ago(20*day), 0)

		k, err := s.AnalyticsKPIs(ctx, now)
		if err != nil {
			t.Fatalf("AnalyticsKPIs: %v", err)
		}
		if want := (models.ActiveUsers{LastDay: 2, Last7Days: 4, Last30Days: 5}); k.ActiveUsers != want {
			t.Errorf("active users = %+v, want %+v", k.ActiveUsers, want)
		}
		perDay := map[string]int{}
		for _, dc := range k.DeploymentsPerDay {
			if dc.Count > 0 {
				perDay[dc.Day] = dc.Count
			}
		}
		wantPerDay := map[string]int{"2026-02-18": 1, "2026-03-04": 1, "2026-03-05": 1, "2026-03-07": 2, "2026-03-10": 1}
		if fmt.Sprint(perDay) != fmt.Sprint(wantPerDay) || len(k.DeploymentsPerDay) != 30 ||
			k.DeploymentsPerDay[0].Day != "2026-02-09" || k.DeploymentsPerDay[29].Day != "2026-03-10" {
			t.Errorf("deployments per day = %v (%d days from %s), want %v over 2026-02-09..2026-03-10",
				perDay, len(k.DeploymentsPerDay), k.DeploymentsPerDay[0].Day, wantPerDay)
		}
		dk := k.Deployments
		if dk.Finished != 4 || dk.Succeeded != 2 || dk.Failed != 1 || dk.Stopped != 1 {
			t.Errorf("deployment outcomes = %+v, want 4 finished: 2 succeeded, 1 failed, 1 stopped", dk)
		}
		wantNear(t, "success rate", dk.SuccessRate, 2.0/3)
		wantNear(t, "median duration", dk.MedianDurationSeconds, 200)
		if o := k.Onboarding; o.Users != 5 || o.Completed != 2 {
			t.Errorf("onboarding = %+v, want 2 of 5", o)
		}
		wantNear(t, "onboarding completion rate", k.Onboarding.CompletionRate, 0.4)
		if got := templateSlugs(k.TopTemplatesByUsage); got != "order-tracking:2 kyc-onboarding:1" {
			t.Errorf("top templates by usage = %s", got)
		}
		if got := templateSlugs(k.TopTemplatesByRating); got != "kyc-onboarding:1 order-tracking:2" {
			t.Errorf("top templates by rating = %s", got)
		}
		if r := k.TopTemplatesByRating; len(r) == 2 && (r[0].RatingAvg != 5 || r[1].RatingAvg != 3 || r[1].RatingCount != 2) {
			t.Errorf("top templates by rating = %+v, want kyc-onboarding 5 (1), order-tracking 3 (2)", r)
		}
		if k.PendingApprovals.Count != 2 {
			t.Errorf("pending approvals = %d, want 2", k.PendingApprovals.Count)
		}
		wantNear(t, "oldest pending approval age", k.PendingApprovals.OldestAgeSeconds, (20 * day).Seconds())
		wantNear(t, "median pending approval age", k.PendingApprovals.MedianAgeSeconds, (12*day + 12*time.Hour).Seconds())
	})
}

// templateSlugs renders a top list as "slug:usage …".
func templateSlugs(ts []models.TemplateKPI) string {
	out := ""
	for i, tpl := range ts {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s:%d", tpl.Slug, tpl.UsageCount)
	}
	return out
}

// wantNear fails unless got is within a millisecond's worth of want.
func wantNear(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want %v", what, want)
		return
	}
	if d := *got - want; d > 0.001 || d < -0.001 {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}
