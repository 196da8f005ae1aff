package models

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/forgeai/platform/internal/config"
)

// AnalyticsDays is the window of the KPIs: active users over 30 days,
// deployments per day over the last 30 UTC days, outcomes of the deployments
// finished in the last 30 days.
const AnalyticsDays = 30

// TopTemplates is how many templates each top list of the KPIs holds.
const TopTemplates = 5

// SucceededStatuses are the finished statuses of a deployment that went live
// (rolled_back: it was live until a rollback replaced it).
var SucceededStatuses = []string{DeployDeployed, DeployRolledBack}

// KPIs are the platform's key figures at one moment, from SQL aggregates.
type KPIs struct {
	At                   time.Time           `json:"at"`
	ActiveUsers          ActiveUsers         `json:"activeUsers"`
	DeploymentsPerDay    []DayCount          `json:"deploymentsPerDay"`
	Deployments          DeploymentKPIs      `json:"deployments"`
	Onboarding           OnboardingKPIs      `json:"onboarding"`
	TopTemplatesByUsage  []TemplateKPI       `json:"topTemplatesByUsage"`
	TopTemplatesByRating []TemplateKPI       `json:"topTemplatesByRating"`
	PendingApprovals     PendingApprovalKPIs `json:"pendingApprovals"`
}

// ActiveUsers counts the users whose latest activity falls in the last day,
// 7 days and 30 days. A user's activity is their sign-up, any audit event
// naming them as actor (sign-ins, every state-changing request, approval
// decisions), the deployments they requested, the projects they created and
// their chat messages (a chat session's updated_at moves with each message).
// Reads are not recorded anywhere, so a user who only browsed is not active.
type ActiveUsers struct {
	LastDay    int `json:"lastDay"`
	Last7Days  int `json:"last7Days"`
	Last30Days int `json:"last30Days"`
}

// DayCount is how many deployments were requested on one UTC day.
type DayCount struct {
	Day   string `json:"day"` // YYYY-MM-DD
	Count int    `json:"count"`
}

// DeploymentKPIs describe the deployments finished in the last 30 days.
// Succeeded ones went live, failed ones failed in the pipeline, stopped ones
// were cancelled, rejected or expired before an outcome. The success rate and
// the median duration (request to finish) cover succeeded and failed ones;
// both are null without any.
type DeploymentKPIs struct {
	Finished              int      `json:"finished"`
	Succeeded             int      `json:"succeeded"`
	Failed                int      `json:"failed"`
	Stopped               int      `json:"stopped"`
	SuccessRate           *float64 `json:"successRate"`
	MedianDurationSeconds *float64 `json:"medianDurationSeconds"`
}

// OnboardingKPIs count all users and those who completed onboarding; the
// rate is null without users.
type OnboardingKPIs struct {
	Users          int      `json:"users"`
	Completed      int      `json:"completed"`
	CompletionRate *float64 `json:"completionRate"`
}

// TemplateKPI is a template in a top list, with the usage (projects created
// from it) and rating aggregates the templates table keeps.
type TemplateKPI struct {
	ID          string  `json:"id"`
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	UsageCount  int     `json:"usageCount"`
	RatingAvg   float64 `json:"ratingAvg"`
	RatingCount int     `json:"ratingCount"`
}

// PendingApprovalKPIs count the approvals still open and their ages; the
// ages are null without any.
type PendingApprovalKPIs struct {
	Count            int      `json:"count"`
	OldestAgeSeconds *float64 `json:"oldestAgeSeconds"`
	MedianAgeSeconds *float64 `json:"medianAgeSeconds"`
}

// AnalyticsKPIs computes the KPIs as of now. Each figure is one aggregate
// query served by an index (migration 00011): none reads a whole table but
// users and templates. The queries are independent, so they run at once on
// the pool (on SQLite's single connection they queue); the answer is as
// slow as the slowest, not the sum.
func (s *Store) AnalyticsKPIs(ctx context.Context, now time.Time) (KPIs, error) {
	if _, err := s.ChainAudit(ctx); err != nil { // active users read the trail
		return KPIs{}, err
	}
	now = now.UTC()
	k := KPIs{At: now}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { k.ActiveUsers, err = s.activeUsers(ctx, now); return err })
	g.Go(func() (err error) { k.DeploymentsPerDay, err = s.deploymentsPerDay(ctx, now); return err })
	g.Go(func() (err error) { k.Deployments, err = s.deploymentOutcomes(ctx, now); return err })
	g.Go(func() (err error) { k.Onboarding, err = s.onboardingKPIs(ctx); return err })
	g.Go(func() (err error) {
		k.TopTemplatesByUsage, err = s.topTemplates(ctx, "usage_count > 0", "usage_count DESC, name ASC, id ASC")
		return err
	})
	g.Go(func() (err error) {
		k.TopTemplatesByRating, err = s.topTemplates(ctx, "rating_count > 0", "rating_avg DESC, rating_count DESC, name ASC, id ASC")
		return err
	})
	g.Go(func() (err error) { k.PendingApprovals, err = s.pendingApprovalKPIs(ctx, now); return err })
	if err := g.Wait(); err != nil {
		return KPIs{}, err
	}
	return k, nil
}

// activeUsers takes each user's latest activity (one index probe per source
// and user, so the cost follows the number of users, not of deployments or
// audit events) and counts those within each window.
func (s *Store) activeUsers(ctx context.Context, now time.Time) (ActiveUsers, error) {
	latest := "GREATEST(signed_up, audited, requested, created, chatted)" // Postgres ignores NULLs
	if s.dialect == config.SQLite {
		// SQLite's max() is NULL when any argument is; timestamps are UTC text.
		latest = "MAX(signed_up, COALESCE(audited, signed_up), COALESCE(requested, signed_up), " +
			"COALESCE(created, signed_up), COALESCE(chatted, signed_up))"
	}
	// MATERIALIZED: inlined, the probes would run once per window.
	q := `WITH latest_activity AS MATERIALIZED (SELECT ` + latest + ` AS latest FROM (SELECT
		u.created_at AS signed_up,
		(SELECT MAX(e.at) FROM audit_events e WHERE e.actor_id = CAST(u.id AS TEXT)) AS audited,
		(SELECT MAX(d.created_at) FROM deployments d WHERE d.requested_by = u.id) AS requested,
		(SELECT MAX(p.created_at) FROM projects p WHERE p.owner_id = u.id) AS created,
		(SELECT MAX(c.updated_at) FROM chat_sessions c WHERE c.user_id = u.id) AS chatted
		FROM users u) per_user)
	SELECT
		COALESCE(SUM(CASE WHEN latest >= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN latest >= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN latest >= ? THEN 1 ELSE 0 END), 0)
	FROM latest_activity`
	var a ActiveUsers
	day := 24 * time.Hour
	err := s.db.WithContext(ctx).Raw(q, now.Add(-day), now.Add(-7*day), now.Add(-AnalyticsDays*day)).
		Row().Scan(&a.LastDay, &a.Last7Days, &a.Last30Days)
	if err != nil {
		return ActiveUsers{}, fmt.Errorf("analytics active users: %w", err)
	}
	return a, nil
}

// deploymentsPerDay counts the deployments requested on each of the last 30
// UTC days, today included, oldest first; days without any count 0.
func (s *Store) deploymentsPerDay(ctx context.Context, now time.Time) ([]DayCount, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from := today.AddDate(0, 0, -(AnalyticsDays - 1))
	// Grouped by date, formatted after: to_char on every row costs twice as much.
	q := `SELECT CAST(day AS TEXT), n FROM (SELECT CAST(created_at AT TIME ZONE 'UTC' AS DATE) AS day, COUNT(*) AS n
		FROM deployments WHERE created_at >= ? GROUP BY 1) per_day`
	if s.dialect == config.SQLite {
		q = `SELECT date(created_at) AS day, COUNT(*) FROM deployments WHERE created_at >= ? GROUP BY day`
	}
	rows, err := s.db.WithContext(ctx).Raw(q, from).Rows()
	if err != nil {
		return nil, fmt.Errorf("analytics deployments per day: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("analytics deployments per day: %w", err)
		}
		counts[d] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analytics deployments per day: %w", err)
	}
	out := make([]DayCount, AnalyticsDays)
	for i := range out {
		d := from.AddDate(0, 0, i).Format(time.DateOnly)
		out[i] = DayCount{Day: d, Count: counts[d]}
	}
	return out, nil
}

// deploymentOutcomes reads the deployments finished in the last 30 days:
// off deployments_finished_idx (finished_at, status, created_at) alone when
// they are a small part of the table, as on a platform with a long history.
func (s *Store) deploymentOutcomes(ctx context.Context, now time.Time) (DeploymentKPIs, error) {
	from := now.Add(-AnalyticsDays * 24 * time.Hour)
	ran := append([]string{DeployFailed}, SucceededStatuses...)
	duration := s.secondsBetween("created_at", "finished_at")
	const counts = `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN status IN ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0)`
	const finished = ` FROM deployments WHERE finished_at IS NOT NULL AND finished_at >= ?`
	var k DeploymentKPIs
	var err error
	if s.dialect == config.Postgres {
		// The median in the same pass over the index as the counts.
		err = s.db.WithContext(ctx).Raw(counts+`, percentile_cont(0.5) WITHIN GROUP (ORDER BY `+duration+
			`) FILTER (WHERE status IN ?)`+finished, SucceededStatuses, DeployFailed, ran, from).
			Row().Scan(&k.Finished, &k.Succeeded, &k.Failed, &k.MedianDurationSeconds)
	} else {
		err = s.db.WithContext(ctx).Raw(counts+finished, SucceededStatuses, DeployFailed, from).
			Row().Scan(&k.Finished, &k.Succeeded, &k.Failed)
		if err == nil {
			k.MedianDurationSeconds, err = s.median(ctx, k.Succeeded+k.Failed, duration,
				"deployments WHERE finished_at IS NOT NULL AND finished_at >= ? AND status IN ?", from, ran)
		}
	}
	if err != nil {
		return DeploymentKPIs{}, fmt.Errorf("analytics deployment outcomes: %w", err)
	}
	k.Stopped = k.Finished - k.Succeeded - k.Failed
	k.SuccessRate = ratio(k.Succeeded, k.Succeeded+k.Failed)
	return k, nil
}

func (s *Store) onboardingKPIs(ctx context.Context) (OnboardingKPIs, error) {
	var k OnboardingKPIs
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN onboarding_completed THEN 1 ELSE 0 END), 0) FROM users`).
		Row().Scan(&k.Users, &k.Completed)
	if err != nil {
		return OnboardingKPIs{}, fmt.Errorf("analytics onboarding: %w", err)
	}
	k.CompletionRate = ratio(k.Completed, k.Users)
	return k, nil
}

func (s *Store) topTemplates(ctx context.Context, where, order string) ([]TemplateKPI, error) {
	out := []TemplateKPI{}
	err := s.db.WithContext(ctx).Model(&Template{}).
		Select("id, slug, name, usage_count, rating_avg, rating_count").
		Where(where).Order(order).Limit(TopTemplates).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("analytics top templates: %w", err)
	}
	return out, nil
}

// pendingApprovalKPIs reads the open approvals off approvals_status_idx.
func (s *Store) pendingApprovalKPIs(ctx context.Context, now time.Time) (PendingApprovalKPIs, error) {
	age := s.secondsBetween("created_at", s.param())
	var k PendingApprovalKPIs
	var oldest *float64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*), MAX(`+age+`) FROM approvals WHERE status = ?`, now, ApprovalPending).
		Row().Scan(&k.Count, &oldest)
	if err != nil {
		return PendingApprovalKPIs{}, fmt.Errorf("analytics pending approvals: %w", err)
	}
	k.OldestAgeSeconds = oldest
	k.MedianAgeSeconds, err = s.median(ctx, k.Count, age, "approvals WHERE status = ?", now, ApprovalPending)
	if err != nil {
		return PendingApprovalKPIs{}, fmt.Errorf("analytics pending approval age: %w", err)
	}
	return k, nil
}

// param is a bound timestamp parameter as an SQL expression.
func (s *Store) param() string {
	if s.dialect == config.Postgres {
		return "CAST(? AS TIMESTAMPTZ)"
	}
	return "?"
}

// secondsBetween is the SQL for the seconds from timestamp a to b. On
// Postgres date_part, not EXTRACT: EXTRACT answers numeric, which takes
// twice as long over the tens of thousands of rows a median sorts.
func (s *Store) secondsBetween(a, b string) string {
	if s.dialect == config.Postgres {
		return "date_part('epoch', " + b + " - " + a + ")"
	}
	return "((julianday(" + b + ") - julianday(" + a + ")) * 86400.0)"
}

// median is the median of expr over the n rows of from (a table and its
// WHERE clause), nil when n is 0: percentile_cont on Postgres; on SQLite,
// which has none, the middle one or two rows by ORDER BY … LIMIT … OFFSET.
func (s *Store) median(ctx context.Context, n int, expr, from string, args ...any) (*float64, error) {
	if n == 0 {
		return nil, nil
	}
	if s.dialect == config.Postgres {
		var m *float64
		err := s.db.WithContext(ctx).Raw(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY `+expr+`) FROM `+from, args...).
			Row().Scan(&m)
		return m, err
	}
	var mid []float64
	err := s.db.WithContext(ctx).Raw(`SELECT `+expr+` AS v FROM `+from+` ORDER BY v LIMIT ? OFFSET ?`,
		append(args, 2-n%2, (n-1)/2)...).Scan(&mid).Error
	if err != nil || len(mid) == 0 {
		return nil, err
	}
	sum := 0.0
	for _, v := range mid {
		sum += v
	}
	m := sum / float64(len(mid))
	return &m, nil
}

// ratio is part/whole, nil when whole is 0.
func ratio(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	r := float64(part) / float64(whole)
	return &r
}
