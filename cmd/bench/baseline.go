package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/forgeai/platform/internal/auth"
)

// The bare baseline: what the simplest honest Go server does for the three
// routes the bench compares, net/http + pgx, on the same database, with the
// same SQL the platform's store sends (models/template.go ListTemplates with
// the default page and sort, models/project.go ListProjects,
// models/deployment.go GetDeployment, models/session.go SessionUser, as GORM
// renders them) and the same JSON bodies. It verifies the platform's access
// token with the same HS256 check (internal/auth) and loads the session and
// its user with the same query on every request; no cache. No request ids,
// access log, metrics, security headers, rate limits or validation of
// query parameters: those are the platform's cost over it.
//
// It runs as a process of its own (the bench binary started with
// -serve-baseline), like the platform, so the load generator does not share
// its CPU accounting or its Go runtime.

const serveBaselineFlag = "serve-baseline"

// Environment of the baseline process.
const (
	envBaselineDB     = "BENCH_BASELINE_DATABASE_URL"
	envBaselineSecret = "BENCH_BASELINE_JWT_SECRET"
)

// baselineMaxConns is the platform's default pool size (DB_MAX_OPEN_CONNS).
const baselineMaxConns = 20

// The SQL, as GORM renders it for the platform (Postgres, prepared statements).
const (
	sqlCountTemplates = `SELECT count(*) FROM "templates" WHERE status = $1`
	sqlListTemplates  = `SELECT "id","slug","name","industry","category","description","complexity","compliance","features","roi","content_digest","version","status","source","created_by","rating_avg","rating_count","usage_count","created_at","updated_at" FROM "templates" WHERE status = $1 ORDER BY rating_avg DESC, rating_count DESC, name ASC, id ASC LIMIT $2`
	sqlCountProjects  = `SELECT count(*) FROM "projects" WHERE owner_id = $1`
	sqlListProjects   = `SELECT * FROM "projects" WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`
	sqlGetDeployment  = `SELECT * FROM "deployments" WHERE id = $1 AND project_id IN (SELECT "id" FROM "projects" WHERE owner_id = $2) LIMIT $3`
	sqlSessionUser    = `SELECT users.*, auth_sessions.expires_at AS session_expires_at, auth_sessions.revoked_at AS session_revoked_at
		FROM auth_sessions JOIN users ON users.id = auth_sessions.user_id WHERE auth_sessions.id = $1`
)

const baselinePageSize = 20

// serveBaseline runs the baseline server on addr until SIGTERM or SIGINT.
func serveBaseline(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := pgxpool.ParseConfig(os.Getenv(envBaselineDB))
	if err != nil {
		return fmt.Errorf("baseline: database URL: %w", err)
	}
	cfg.MaxConns = baselineMaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	defer pool.Close()
	// The platform's issuer and audience defaults (JWT_ISSUER, JWT_AUDIENCE).
	tokens, err := auth.NewTokens(os.Getenv(envBaselineSecret), "forgeai-platform", "forgeai-api", time.Hour)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	b := &bare{db: pool, tokens: tokens}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("GET /api/templates", b.templates)
	mux.HandleFunc("GET /api/projects", b.signedIn(b.projects))
	mux.HandleFunc("GET /api/deployments/{id}", b.signedIn(b.deployment))
	srv := &http.Server{Addr: addr, Handler: mux, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("baseline: %w", err)
	}
	return nil
}

type bare struct {
	db     *pgxpool.Pool
	tokens *auth.Tokens
}

func (b *bare) templates(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var total int64
	if err := b.db.QueryRow(ctx, sqlCountTemplates, "published").Scan(&total); err != nil {
		fail(w, err)
		return
	}
	rows, err := b.db.Query(ctx, sqlListTemplates, "published", baselinePageSize)
	if err != nil {
		fail(w, err)
		return
	}
	out := []bareTemplate{}
	for rows.Next() {
		var t bareTemplate
		var avg float64
		var digest, status string
		var createdBy *string
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name, &t.Industry, &t.Category, &t.Description, &t.Complexity,
			&t.Compliance, &t.Features, &t.ROI, &digest, &t.Version, &status, &t.Source, &createdBy,
			&avg, &t.Rating.Count, &t.UsageCount, &t.CreatedAt, &t.UpdatedAt); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		t.Rating.Average = math.Round(avg*100) / 100
		if t.Compliance == nil {
			t.Compliance = []string{}
		}
		if t.Features == nil {
			t.Features = []string{}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "meta": bareMeta{Page: 1, PageSize: baselinePageSize, Total: total}})
}

func (b *bare) projects(w http.ResponseWriter, r *http.Request, userID string) {
	ctx := r.Context()
	var total int64
	if err := b.db.QueryRow(ctx, sqlCountProjects, userID).Scan(&total); err != nil {
		fail(w, err)
		return
	}
	rows, err := b.db.Query(ctx, sqlListProjects, userID, baselinePageSize)
	if err != nil {
		fail(w, err)
		return
	}
	out := []bareProject{}
	for rows.Next() {
		var p bareProject
		if err := scanNamed(rows, map[string]any{
			"id": &p.ID, "name": &p.Name, "slug": &p.Slug, "description": &p.Description, "template_id": &p.TemplateID,
			"template_version": &p.TemplateVersion, "configuration": &p.Configuration, "status": &p.Status,
			"status_message": &p.StatusMessage, "deployment_url": &p.DeploymentURL, "live_deployment_id": &p.LiveDeploymentID,
			"created_at": &p.CreatedAt, "updated_at": &p.UpdatedAt,
		}); err != nil {
			rows.Close()
			fail(w, err)
			return
		}
		if p.Configuration == nil {
			p.Configuration = map[string]any{}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "meta": bareMeta{Page: 1, PageSize: baselinePageSize, Total: total}})
}

func (b *bare) deployment(w http.ResponseWriter, r *http.Request, userID string) {
	id := strings.ToLower(r.PathValue("id"))
	if !looksLikeUUID(id) {
		writeJSON(w, http.StatusBadRequest, bareError("bad_request", "invalid id"))
		return
	}
	rows, err := b.db.Query(r.Context(), sqlGetDeployment, id, userID, 1)
	if err != nil {
		fail(w, err)
		return
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusNotFound, bareError("not_found", "not found"))
		return
	}
	var d bareDeployment
	if err := scanNamed(rows, map[string]any{
		"id": &d.ID, "project_id": &d.ProjectID, "seq": &d.Seq, "kind": &d.Kind, "rollback_of": &d.RollbackOf,
		"status": &d.Status, "requested_by": &d.RequestedBy, "workflow_id": &d.WorkflowID, "source_digest": &d.SourceDigest,
		"artifact_digest": &d.ArtifactDigest, "url": &d.URL, "approval_id": &d.ApprovalID, "error": &d.Error, "steps": &d.Steps,
		"created_at": &d.CreatedAt, "updated_at": &d.UpdatedAt, "finished_at": &d.FinishedAt,
	}); err != nil {
		fail(w, err)
		return
	}
	rows.Close()
	if d.Steps == nil {
		d.Steps = []bareStep{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": d})
}

// signedIn verifies the bearer token and loads its live session's active
// user with the platform's query, on every request.
func (b *bare) signedIn(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			writeJSON(w, http.StatusUnauthorized, bareError("unauthorized", "sign in first"))
			return
		}
		claims, err := b.tokens.Verify(token)
		if err != nil {
			writeJSON(w, http.StatusUnauthorized, bareError("unauthorized", "invalid or expired token"))
			return
		}
		rows, err := b.db.Query(r.Context(), sqlSessionUser, claims.SessionID)
		if err != nil {
			fail(w, err)
			return
		}
		var userID string
		var deactivated, revoked *time.Time
		var expires time.Time
		found := rows.Next()
		if found {
			err = scanNamed(rows, map[string]any{"id": &userID, "deactivated_at": &deactivated,
				"session_expires_at": &expires, "session_revoked_at": &revoked})
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			fail(w, err)
			return
		}
		if !found || userID != claims.UserID || deactivated != nil || revoked != nil || !time.Now().Before(expires) {
			writeJSON(w, http.StatusUnauthorized, bareError("unauthorized", "invalid or expired token"))
			return
		}
		next(w, r, userID)
	}
}

// scanNamed scans the current row's columns into the destinations named by
// column; columns without one (SELECT * brings them all) are decoded and
// dropped, as GORM does with columns its struct lacks.
func scanNamed(rows pgx.Rows, dest map[string]any) error {
	fds := rows.FieldDescriptions()
	targets := make([]any, len(fds))
	for i, fd := range fds {
		if d, ok := dest[fd.Name]; ok {
			targets[i] = d
		} else {
			targets[i] = new(any)
		}
	}
	return rows.Scan(targets...)
}

func looksLikeUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func fail(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusInternalServerError, bareError("internal", err.Error()))
}

func bareError(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

// The response shapes, field for field those of api/templates.go,
// api/projects.go and api/deployments.go.
type (
	bareMeta struct {
		Page     int   `json:"page"`
		PageSize int   `json:"pageSize"`
		Total    int64 `json:"total"`
	}
	bareTemplate struct {
		ID          string         `json:"id"`
		Slug        string         `json:"slug"`
		Name        string         `json:"name"`
		Industry    string         `json:"industry"`
		Category    string         `json:"category"`
		Description string         `json:"description"`
		Complexity  string         `json:"complexity"`
		Compliance  []string       `json:"compliance"`
		Features    []string       `json:"features"`
		ROI         map[string]any `json:"roi"`
		Version     int            `json:"version"`
		Source      string         `json:"source"`
		Rating      struct {
			Average float64 `json:"average"`
			Count   int     `json:"count"`
		} `json:"rating"`
		UsageCount int       `json:"usageCount"`
		Favorite   bool      `json:"favorite"`
		MyRating   *int      `json:"myRating"`
		CreatedAt  time.Time `json:"createdAt"`
		UpdatedAt  time.Time `json:"updatedAt"`
	}
	bareProject struct {
		ID               string         `json:"id"`
		Name             string         `json:"name"`
		Slug             string         `json:"slug"`
		Description      string         `json:"description"`
		TemplateID       string         `json:"templateId"`
		TemplateVersion  int            `json:"templateVersion"`
		Configuration    map[string]any `json:"configuration"`
		Status           string         `json:"status"`
		StatusMessage    string         `json:"statusMessage"`
		DeploymentURL    string         `json:"deploymentUrl"`
		LiveDeploymentID *string        `json:"liveDeploymentId"`
		CreatedAt        time.Time      `json:"createdAt"`
		UpdatedAt        time.Time      `json:"updatedAt"`
	}
	bareStep struct {
		Name       string     `json:"name"`
		Status     string     `json:"status"`
		StartedAt  *time.Time `json:"startedAt"`
		FinishedAt *time.Time `json:"finishedAt"`
		Error      string     `json:"error,omitempty"`
	}
	bareDeployment struct {
		ID             string     `json:"id"`
		ProjectID      string     `json:"projectId"`
		Seq            int        `json:"seq"`
		Kind           string     `json:"kind"`
		RollbackOf     *string    `json:"rollbackOf"`
		Status         string     `json:"status"`
		RequestedBy    string     `json:"requestedBy"`
		WorkflowID     string     `json:"workflowId"`
		SourceDigest   string     `json:"sourceDigest"`
		ArtifactDigest string     `json:"artifactDigest"`
		URL            string     `json:"url"`
		ApprovalID     *string    `json:"approvalId"`
		PreviewURL     string     `json:"previewUrl"`
		Error          string     `json:"error"`
		Steps          []bareStep `json:"steps"`
		CreatedAt      time.Time  `json:"createdAt"`
		UpdatedAt      time.Time  `json:"updatedAt"`
		FinishedAt     *time.Time `json:"finishedAt"`
		WaitingFor     *struct{}  `json:"waitingFor"`
	}
)

// startBaseline starts the baseline server as a child process on a free port.
func startBaseline(ctx context.Context, dbURL, jwtSecret string) (*apiProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "bench-baseline-*.log")
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	p := &apiProc{logPath: logf.Name(), addr: "127.0.0.1:" + ports[0], exited: make(chan struct{})}
	p.cmd = exec.Command(exe, "-"+serveBaselineFlag, p.addr)
	p.cmd.Env = append(os.Environ(), envBaselineDB+"="+dbURL, envBaselineSecret+"="+jwtSecret)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the baseline server: %w", err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	if err := p.waitHealthy(ctx, 15*time.Second); err != nil {
		p.stop(5 * time.Second)
		return nil, fmt.Errorf("baseline server (log %s): %w", p.logPath, err)
	}
	return p, nil
}
