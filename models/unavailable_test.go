package models_test

import (
	"errors"
	"testing"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// TestLostConnectionIsUnavailableNotNotFound: when Postgres ends the
// store's session (a failover, an administrator), the store says
// ErrUnavailable (the API answers 503, try again), never ErrNotFound (which
// the API turns into a 404 or, for the signed-in user, a 401 that signs a
// browser out); the next call works on a new session.
func TestLostConnectionIsUnavailableNotNotFound(t *testing.T) {
	s := testdb.Open(t, config.Postgres)
	u := newUser(t, s, "failover@example.com")
	testdb.EndSession(t, s)

	_, err := s.GetUser(t.Context(), u.ID)
	if !errors.Is(err, models.ErrUnavailable) || errors.Is(err, models.ErrNotFound) {
		t.Fatalf("GetUser on an ended session: err = %v, want ErrUnavailable", err)
	}
	got, err := s.GetUser(t.Context(), u.ID)
	if err != nil || got.ID != u.ID {
		t.Fatalf("GetUser after reconnecting: %v, %v", got.ID, err)
	}
}
