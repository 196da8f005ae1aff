package models_test

import (
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/models"
)

func TestAIUsageAddsUpPerUserAndDay(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		u, _, err := s.LoginUser(t.Context(), "usage@example.com", "U")
		if err != nil {
			t.Fatal(err)
		}
		other, _, _ := s.LoginUser(t.Context(), "other@example.com", "O")
		day := time.Date(2030, 5, 6, 23, 59, 0, 0, time.UTC)
		if n, err := s.AIUsage(t.Context(), u.ID, day); err != nil || n != 0 {
			t.Fatalf("before any use: %d, %v", n, err)
		}
		// Concurrent charges (two instances, chat and code generation) all count.
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if err := s.AddAIUsage(t.Context(), u.ID, day, 150); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n, _ := s.AIUsage(t.Context(), u.ID, day); n != 1500 {
			t.Fatalf("usage = %d, want 1500", n)
		}
		if n, _ := s.AIUsage(t.Context(), u.ID, day.Add(time.Minute)); n != 0 {
			t.Fatalf("the next UTC day starts at %d, want 0", n)
		}
		if n, _ := s.AIUsage(t.Context(), other.ID, day); n != 0 {
			t.Fatalf("another user's usage = %d", n)
		}
		// A time in another zone counts on its UTC date.
		if err := s.AddAIUsage(t.Context(), u.ID, day.In(time.FixedZone("east", 5*3600)), 1); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.AIUsage(t.Context(), u.ID, day); n != 1501 {
			t.Fatalf("usage = %d, want 1501", n)
		}
	})
}
