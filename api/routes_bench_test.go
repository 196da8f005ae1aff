package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/testdb"
)

// BenchmarkHotReads runs the three reads the bench compares with the bare
// baseline (GET /api/templates anonymous, GET /api/projects and GET
// /api/deployments/:id with a token) through the whole middleware chain,
// without a network, on Postgres with the sign-in cache on as in
// production. It is for profiles and allocation counts
// (go test -run '^$' -bench HotReads -benchmem -cpuprofile cpu.out ./api/),
// not a judge of throughput targets.
func BenchmarkHotReads(b *testing.B) {
	store := testdb.Open(b, config.Postgres)
	tokens, err := auth.NewTokens(testSecret, "forgeai-platform", "forgeai-api", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hub := events.NewHub(ctx, store, 0, quiet)
	store.SetNotifier(hub)
	app := api.New(api.Options{
		Store: store, Tokens: tokens, Logger: quiet, Registry: prometheus.NewRegistry(), DevMode: true,
		BodyLimit: 64 << 10, Version: "bench", Hub: hub, Context: ctx, AppsBaseURL: "http://apps.test",
		Workflows: &fakeWorkflows{},
	})
	handler := app.Handler()
	call := func(method, path, token string, body any, out any) {
		b.Helper()
		var rc fasthttp.RequestCtx
		rc.Request.Header.SetMethod(method)
		rc.Request.SetRequestURI(path)
		if token != "" {
			rc.Request.Header.Set("Authorization", "Bearer "+token)
		}
		if body != nil {
			raw, _ := json.Marshal(body)
			rc.Request.Header.SetContentType("application/json")
			rc.Request.SetBody(raw)
		}
		handler(&rc)
		if s := rc.Response.StatusCode(); s >= 300 {
			b.Fatalf("%s %s: %d %s", method, path, s, rc.Response.Body())
		}
		if out != nil {
			var env struct{ Data json.RawMessage }
			if err := json.Unmarshal(rc.Response.Body(), &env); err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(env.Data, out); err != nil {
				b.Fatal(err)
			}
		}
	}
	var login struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	call("POST", "/api/auth/dev-login", "", map[string]string{"email": "bench@example.com", "name": "Bench"}, &login)
	var tpl []struct {
		ID string `json:"id"`
	}
	call("GET", "/api/templates", "", nil, &tpl)
	var project struct {
		ID string `json:"id"`
	}
	for i := 0; i < 50; i++ {
		call("POST", "/api/projects", login.Token, map[string]any{"name": fmt.Sprintf("Bench %d", i), "templateId": tpl[i%len(tpl)].ID}, &project)
	}
	db, err := store.SQL()
	if err != nil {
		b.Fatal(err)
	}
	var depID string
	err = db.QueryRowContext(ctx, `INSERT INTO deployments (id, project_id, seq, requested_by, kind, status, workflow_id,
			source_digest, artifact_digest, error, steps, created_at, updated_at, finished_at,
			configuration, configuration_digest, project_name, template_id, template_version, template_digest)
		VALUES (gen_random_uuid(), $1, 1, $2, 'deploy', 'failed', $5,
			repeat('a', 64), repeat('b', 64), 'bench: seeded failure', '[]'::jsonb, $3, $3, $3,
			'{}'::jsonb, repeat('c', 64), 'Bench', $4, 1, repeat('d', 64))
		RETURNING id::text`, project.ID, login.User.ID, time.Now().UTC(), tpl[0].ID, "bench-"+project.ID).Scan(&depID)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE projects SET deploy_seq = 1 WHERE id = $1`, project.ID); err != nil {
		b.Fatal(err)
	}
	// As in production, where the event listener hears every change.
	store.EnableSessionCache(30 * time.Second)
	store.SessionsLive(true)
	store.TemplatesLive(true)
	for _, r := range []struct{ name, path, token string }{
		{"templates", "/api/templates", ""},
		{"projects", "/api/projects", login.Token},
		{"deployment", "/api/deployments/" + depID, login.Token},
	} {
		b.Run(r.name, func(b *testing.B) {
			var rc fasthttp.RequestCtx
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				rc.Request.Reset()
				rc.Response.Reset()
				rc.Request.Header.SetMethod("GET")
				rc.Request.SetRequestURI(r.path)
				if r.token != "" {
					rc.Request.Header.Set("Authorization", "Bearer "+r.token)
				}
				handler(&rc)
				if rc.Response.StatusCode() != 200 {
					b.Fatalf("%s: %d %s", r.path, rc.Response.StatusCode(), rc.Response.Body())
				}
			}
		})
	}
}
