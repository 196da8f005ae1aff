package api_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/migrations"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// liveTemplates passes the listener's calls to the store and says when it
// starts or stops hearing changed templates.
type liveTemplates struct {
	*models.Store
	live chan bool
}

func (l liveTemplates) TemplatesLive(live bool) {
	l.Store.TemplatesLive(live)
	l.live <- live
}

// cachedInstances builds n API instances as n `platform api` processes on
// one Postgres database: each its own store, sign-in cache and event
// listener (so each its own template cache), and a plain connection to the
// database for changes made behind the platform's back (an operator).
func cachedInstances(t *testing.T, n int) ([]*harness, *sql.DB) {
	t.Helper()
	dsn := testdb.PostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	tokens, err := auth.NewTokens(testSecret, "forgeai-platform", "forgeai-api", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var out []*harness
	var listeners []chan struct{}
	t.Cleanup(func() {
		cancel()
		for _, done := range listeners {
			<-done
		}
	})
	for i := range n {
		store, err := models.Open(ctx, config.DB{URL: dsn, MaxOpenConns: 5, MaxIdleConns: 5, ConnMaxLifetime: time.Minute}, workflows.IDs)
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { _ = store.Close() })
		if i == 0 {
			db, err := store.SQL()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := migrations.Up(ctx, db, config.Postgres); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			entries, err := catalog.Load()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.SyncCatalog(ctx, entries); err != nil {
				t.Fatal(err)
			}
		}
		hub := events.NewHub(ctx, store, time.Hour, quiet)
		store.SetNotifier(hub)
		store.EnableSessionCache(time.Minute)
		rec := liveTemplates{Store: store, live: make(chan bool, 16)}
		done := make(chan struct{})
		listeners = append(listeners, done)
		go func() {
			defer close(done)
			events.Listen(ctx, dsn, hub, rec, quiet)
		}()
		select {
		case live := <-rec.live:
			if !live {
				t.Fatal("listener reported not live first")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("listener did not start listening")
		}
		o := api.Options{
			Workflows: &fakeWorkflows{}, AppsBaseURL: "http://apps.test", Hub: hub, Context: ctx,
			Store: store, Tokens: tokens, Logger: quiet, Registry: prometheus.NewRegistry(), DevMode: true,
			BodyLimit: 64 << 10, Version: "test",
			Checks: map[string]api.Checker{"database": fakeCheck{}, "temporal": fakeCheck{}},
		}
		out = append(out, &harness{t: t, app: api.New(o), store: store, workflows: &fakeWorkflows{}, spec: specOf(t, o)})
	}
	db, err := out[0].store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	return out, db
}

// heard waits until the instance's store has heard of a change to
// templates made after version was read (by NOTIFY), at most 5 s.
func heard(t *testing.T, h *harness, version uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, live := h.store.TemplatesVersion()
		if !live {
			t.Fatal("the instance is not listening")
		}
		if v != version {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the change was not heard within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func version(h *harness) uint64 {
	v, _ := h.store.TemplatesVersion()
	return v
}

func bySlug(list []templateOut, slug string) (templateOut, bool) {
	for _, t := range list {
		if t.Slug == slug {
			return t, true
		}
	}
	return templateOut{}, false
}

// The template list is answered from memory, and yet every change shows on
// the next read: at once on the instance that made it, on the others as
// soon as Postgres's notification arrives, whoever made it (another
// instance, an operator with psql); ratings and usage counts included.
func TestTemplateListCacheHearsEveryChange(t *testing.T) {
	hs, db := cachedInstances(t, 2)
	a, b := hs[0], hs[1]
	admin, _, _ := a.login("admin@example.com")
	userB, _, _ := b.login("user@example.com")
	list, _ := a.templates("", "")
	first := list[0]

	// It answers from memory: with the trigger off, a change behind its
	// back goes unseen.
	mustSQL(t, db, `ALTER TABLE templates DISABLE TRIGGER templates_notify`)
	mustSQL(t, db, `UPDATE templates SET name = 'Renamed quietly' WHERE id = $1`, first.ID)
	list, _ = a.templates("", "")
	if got, _ := bySlug(list, first.Slug); got.Name != first.Name {
		t.Fatalf("name = %q: the cache did not answer (want the cached %q)", got.Name, first.Name)
	}
	mustSQL(t, db, `ALTER TABLE templates ENABLE TRIGGER templates_notify`)

	// An operator's change reaches every instance by NOTIFY.
	va, vb := version(a), version(b)
	mustSQL(t, db, `UPDATE templates SET name = 'Renamed by an operator' WHERE id = $1`, first.ID)
	heard(t, a, va)
	heard(t, b, vb)
	for _, h := range hs {
		list, _ = h.templates("", "")
		if got, _ := bySlug(list, first.Slug); got.Name != "Renamed by an operator" {
			t.Fatalf("name = %q after an operator renamed it", got.Name)
		}
	}

	// A rating shows at once on the instance that took it, with the
	// rater's own mark, and on the other once heard.
	va = version(a)
	b.do("PUT", "/api/templates/"+first.ID+"/rating", userB, map[string]int{"stars": 2}).expect(t, 200)
	list, _ = b.templates("", "")
	if got, _ := bySlug(list, first.Slug); got.Rating.Count != first.Rating.Count+1 || got.Favorite || got.MyRating != nil {
		t.Fatalf("anonymous on the rating instance: %+v, want one more rating (was %d) and no marks", got, first.Rating.Count)
	}
	list, _ = b.templates("", userB)
	if got, _ := bySlug(list, first.Slug); got.MyRating == nil || *got.MyRating != 2 || got.Rating.Count != first.Rating.Count+1 {
		t.Fatalf("the rater's list: %+v, want myRating 2", got)
	}
	heard(t, a, va)
	list, _ = a.templates("", "")
	rated, _ := bySlug(list, first.Slug)
	if rated.Rating.Count != first.Rating.Count+1 || rated.Rating.Average != 2 && first.Rating.Count == 0 {
		t.Fatalf("other instance after the rating: %+v", rated)
	}

	// A favourite is the viewer's own: never in another viewer's answer,
	// also when both come from memory.
	a.do("PUT", "/api/templates/"+first.ID+"/favorite", admin, nil).expect(t, 200)
	for range 2 {
		list, _ = a.templates("", admin)
		if got, _ := bySlug(list, first.Slug); !got.Favorite {
			t.Fatalf("admin's list: %+v, want favorite", got)
		}
		list, _ = a.templates("", userB)
		if got, _ := bySlug(list, first.Slug); got.Favorite || got.MyRating == nil {
			t.Fatalf("another user's list: %+v, want not favorite and their own rating", got)
		}
		list, _ = a.templates("", "")
		if got, _ := bySlug(list, first.Slug); got.Favorite || got.MyRating != nil {
			t.Fatalf("anonymous list: %+v, want no marks", got)
		}
	}

	// A new project counts a use: at once here, on the other instance once heard.
	vb = version(b)
	a.do("POST", "/api/projects", admin, map[string]any{"name": "Counted", "templateId": first.ID}).expect(t, 201)
	list, _ = a.templates("", "")
	if got, _ := bySlug(list, first.Slug); got.UsageCount != first.UsageCount+1 {
		t.Fatalf("usageCount = %d, want %d", got.UsageCount, first.UsageCount+1)
	}
	heard(t, b, vb)
	list, _ = b.templates("", "")
	if got, _ := bySlug(list, first.Slug); got.UsageCount != first.UsageCount+1 {
		t.Fatalf("other instance: usageCount = %d, want %d", got.UsageCount, first.UsageCount+1)
	}

	// Unpublished on one instance, gone from the other's gallery once heard.
	vb = version(b)
	a.do("POST", "/api/templates/"+first.ID+"/unpublish", admin, nil).expect(t, 200)
	heard(t, b, vb)
	list, meta := b.templates("", "")
	if _, ok := bySlug(list, first.Slug); ok {
		t.Fatal("unpublished template still in the other instance's gallery")
	}
	if total := meta["total"].(float64); int(total) != len(catalogSlugs(t))-1 {
		t.Fatalf("total = %v, want %d", total, len(catalogSlugs(t))-1)
	}
}

// Without a listener (it lost its connection) nothing is served from
// memory: what changed meanwhile could not be heard.
func TestTemplateListCacheOnlyWhileListening(t *testing.T) {
	hs, db := cachedInstances(t, 1)
	a := hs[0]
	list, _ := a.templates("?sort=name", "")
	first := list[0]
	a.store.TemplatesLive(false)
	mustSQL(t, db, `ALTER TABLE templates DISABLE TRIGGER templates_notify`)
	mustSQL(t, db, `UPDATE templates SET name = 'Renamed unheard' WHERE id = $1`, first.ID)
	list, _ = a.templates("?sort=name", "")
	if got, _ := bySlug(list, first.Slug); got.Name != "Renamed unheard" {
		t.Fatalf("name = %q while not listening, want the database's", got.Name)
	}
}

func catalogSlugs(t *testing.T) []string {
	t.Helper()
	entries, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Slug
	}
	return out
}

func mustSQL(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
