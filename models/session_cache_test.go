package models_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/migrations"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// liveRecorder passes the listener's calls to the store and says when it
// is listening.
type liveRecorder struct {
	*models.Store
	live chan bool
}

func (r liveRecorder) SessionsLive(live bool) {
	r.Store.SessionsLive(live)
	r.live <- live
}

// cachedStore opens a Postgres store with the session cache on and its
// listener running, as `platform api` does, and a plain connection to the
// same schema for changes made behind the platform's back (an operator).
func cachedStore(t *testing.T) (*models.Store, *sql.DB, chan bool) {
	t.Helper()
	dsn := testdb.PostgresURL(t)
	ctx := context.Background()
	store, err := models.Open(ctx, config.DB{URL: dsn, MaxOpenConns: 5, MaxIdleConns: 5, ConnMaxLifetime: time.Minute}, workflows.IDs)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	db, err := store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, db, config.Postgres); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	store.EnableSessionCache(time.Minute)
	lctx, stop := context.WithCancel(ctx)
	rec := liveRecorder{Store: store, live: make(chan bool, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		events.Listen(lctx, dsn, events.NewHub(lctx, store, time.Hour, slog.Default()), rec, slog.Default())
	}()
	t.Cleanup(func() { stop(); <-done })
	select {
	case live := <-rec.live:
		if !live {
			t.Fatal("listener reported not live first")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not start listening")
	}
	return store, db, rec.live
}

func newSession(t *testing.T, s *models.Store, u models.User) models.Session {
	t.Helper()
	sess, err := s.CreateSession(t.Context(), models.Session{UserID: u.ID, Method: models.SessionDev,
		ExpiresAt: time.Now().Add(time.Hour)}, "hash-"+time.Now().Format(time.RFC3339Nano))
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return sess
}

func sessionUser(t *testing.T, s *models.Store, sessionID string) (models.User, error) {
	t.Helper()
	return s.SessionUser(t.Context(), sessionID, time.Now())
}

// eventually retries check until it passes or 5 s pass.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The sign-in cache answers from memory, and yet every change to a user or
// a session reaches it: at once when this store made it, by NOTIFY when
// anyone else did (here an operator's UPDATE in SQL).
func TestSessionCacheHearsEveryChange(t *testing.T) {
	s, db, _ := cachedStore(t)
	ctx := t.Context()
	u := newUser(t, s, "cached@example.com")
	sess := newSession(t, s, u)
	if _, err := sessionUser(t, s, sess.ID); err != nil {
		t.Fatalf("SessionUser: %v", err)
	}

	// It serves from memory: with the triggers off, a change behind its
	// back goes unseen.
	mustExec(t, db, `ALTER TABLE users DISABLE TRIGGER users_notify_sessions`)
	mustExec(t, db, `UPDATE users SET name = 'Renamed quietly' WHERE id = $1`, u.ID)
	if got, _ := sessionUser(t, s, sess.ID); got.Name != u.Name {
		t.Fatalf("name = %q: the cache did not answer (want the cached %q)", got.Name, u.Name)
	}
	mustExec(t, db, `ALTER TABLE users ENABLE TRIGGER users_notify_sessions`)

	// An operator's role change reaches it by NOTIFY.
	mustExec(t, db, `UPDATE users SET role = 'admin' WHERE id = $1`, u.ID)
	eventually(t, "role change heard", func() bool {
		got, err := sessionUser(t, s, sess.ID)
		return err == nil && got.Role == models.RoleAdmin && got.Name == "Renamed quietly"
	})

	// An operator revoking the session in SQL.
	mustExec(t, db, `UPDATE auth_sessions SET revoked_at = now() WHERE id = $1`, sess.ID)
	eventually(t, "revocation heard", func() bool {
		_, err := sessionUser(t, s, sess.ID)
		return errors.Is(err, models.ErrSessionEnded)
	})

	// Changes made through the store apply to the very next call, before
	// any NOTIFY: logout, deactivation, profile.
	mustExec(t, db, `ALTER TABLE users DISABLE TRIGGER users_notify_sessions`)
	mustExec(t, db, `ALTER TABLE auth_sessions DISABLE TRIGGER auth_sessions_notify`)
	a, b, c := newSession(t, s, u), newSession(t, s, u), newSession(t, s, u)
	for _, x := range []models.Session{a, b, c} {
		if _, err := sessionUser(t, s, x.ID); err != nil {
			t.Fatalf("SessionUser: %v", err)
		}
	}
	if err := s.RevokeSession(ctx, a.ID, models.RevokedLogout, false); err != nil {
		t.Fatal(err)
	}
	if _, err := sessionUser(t, s, a.ID); !errors.Is(err, models.ErrSessionEnded) {
		t.Fatalf("after logout: err = %v, want ErrSessionEnded", err)
	}
	name := "New name"
	if _, err := s.UpdateProfile(ctx, u.ID, models.ProfilePatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if got, err := sessionUser(t, s, b.ID); err != nil || got.Name != name {
		t.Fatalf("after profile update: name = %q, err = %v", got.Name, err)
	}
	if _, err := s.SetUserDeactivated(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, err := sessionUser(t, s, c.ID); !errors.Is(err, models.ErrSessionEnded) || got.DeactivatedAt == nil {
		t.Fatalf("after deactivation: err = %v, deactivated = %v", err, got.DeactivatedAt)
	}
}

// Nothing is served from memory while the listener is not listening: a
// NOTIFY sent then would be lost.
func TestSessionCacheServesOnlyWhileListening(t *testing.T) {
	s, db, _ := cachedStore(t)
	u := newUser(t, s, "gap@example.com")
	sess := newSession(t, s, u)
	if _, err := sessionUser(t, s, sess.ID); err != nil {
		t.Fatal(err)
	}
	s.SessionsLive(false) // as when the listener's connection drops
	mustExec(t, db, `ALTER TABLE users DISABLE TRIGGER users_notify_sessions`)
	mustExec(t, db, `UPDATE users SET name = 'Seen at once' WHERE id = $1`, u.ID)
	if got, _ := sessionUser(t, s, sess.ID); got.Name != "Seen at once" {
		t.Fatalf("name = %q: served from memory while not listening", got.Name)
	}
	// Back to listening: everything read before the gap is gone.
	s.SessionsLive(true)
	mustExec(t, db, `UPDATE users SET name = 'After the gap' WHERE id = $1`, u.ID)
	if got, _ := sessionUser(t, s, sess.ID); got.Name != "After the gap" {
		t.Fatalf("name = %q: an entry outlived the gap", got.Name)
	}
}

// A read that started before a change and ends after it must not be kept.
func TestSessionCacheKeepsNoReadThatRacedAChange(t *testing.T) {
	s, db, _ := cachedStore(t)
	u := newUser(t, s, "race@example.com")
	sess := newSession(t, s, u)
	mustExec(t, db, `ALTER TABLE users DISABLE TRIGGER users_notify_sessions`)
	// Many reads race a store-made change; after it, no read may answer
	// the old name from memory.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			_, _ = sessionUser(t, s, sess.ID)
		}
	}()
	name := "Changed during reads"
	if _, err := s.UpdateProfile(t.Context(), u.ID, models.ProfilePatch{Name: &name}); err != nil {
		t.Fatal(err)
	}
	<-done
	if got, err := sessionUser(t, s, sess.ID); err != nil || got.Name != name {
		t.Fatalf("name = %q, err = %v: a read from before the change was kept", got.Name, err)
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
