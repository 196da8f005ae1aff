package quota

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
)

// clockedStore is a store with a way to let time pass for it.
type clockedStore struct {
	Store
	advance func(time.Duration)
}

func memoryStore() clockedStore {
	m := NewMemory()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	m.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	return clockedStore{Store: m, advance: func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }}
}

// testRedis connects to REDIS_URL or 127.0.0.1:6379. Without a server the
// test skips, unless CI is set: there it must run.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis at %s is unreachable and CI is set: %v", opts.Addr, err)
		}
		t.Skipf("SKIPPING: redis at %s is unreachable: %v", opts.Addr, err)
	}
	return rdb
}

// randomPrefix keeps each test's keys apart from other runs on the same
// server; the test deletes its keys when it ends.
func randomPrefix(t *testing.T, rdb *redis.Client) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	prefix := "platform-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := rdb.Keys(ctx, "rate:"+prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return prefix
}

func redisStore(t *testing.T) clockedStore {
	rdb := testRedis(t)
	return clockedStore{Store: NewRedis(rdb, randomPrefix(t, rdb)), advance: time.Sleep}
}

// TestStoreContract runs the same cases on memory and on a real Redis.
func TestStoreContract(t *testing.T) {
	stores := map[string]func(*testing.T) clockedStore{
		"memory": func(*testing.T) clockedStore { return memoryStore() },
		"redis":  redisStore,
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Run("allows max then refuses with retry after", func(t *testing.T) {
				s := open(t)
				l := Limit{Name: "x", Max: 3, Period: 3 * time.Hour}
				for i := range 3 {
					d, err := s.AllowN(t.Context(), "user:a", l, 1)
					if err != nil || !d.Allowed || d.Remaining != 2-i {
						t.Fatalf("event %d: %+v, %v", i+1, d, err)
					}
				}
				d, err := s.AllowN(t.Context(), "user:a", l, 1)
				if err != nil || d.Allowed || d.Remaining != 0 {
					t.Fatalf("event 4: %+v, %v", d, err)
				}
				// One event refills in an hour; the bucket is full in three.
				if d.RetryAfter < 59*time.Minute || d.RetryAfter > time.Hour {
					t.Fatalf("retry after %s, want about 1h", d.RetryAfter)
				}
				if d.ResetAfter < 2*time.Hour+59*time.Minute || d.ResetAfter > 3*time.Hour {
					t.Fatalf("reset after %s, want about 3h", d.ResetAfter)
				}
				// Another subject has its own bucket.
				if d, _ := s.AllowN(t.Context(), "user:b", l, 1); !d.Allowed {
					t.Fatalf("another subject refused: %+v", d)
				}
			})
			t.Run("refills evenly", func(t *testing.T) {
				s := open(t)
				l := Limit{Name: "y", Max: 2, Period: 2 * time.Second}
				for range 2 {
					if d, err := s.AllowN(t.Context(), "k", l, 1); err != nil || !d.Allowed {
						t.Fatalf("%+v, %v", d, err)
					}
				}
				if d, _ := s.AllowN(t.Context(), "k", l, 1); d.Allowed {
					t.Fatal("third event allowed at once")
				}
				s.advance(1200 * time.Millisecond) // one event refills in a second
				if d, err := s.AllowN(t.Context(), "k", l, 1); err != nil || !d.Allowed {
					t.Fatalf("after one interval: %+v, %v", d, err)
				}
				if d, _ := s.AllowN(t.Context(), "k", l, 1); d.Allowed {
					t.Fatal("two events refilled in one interval")
				}
			})
			t.Run("concurrent requests take exactly max", func(t *testing.T) {
				s := open(t)
				l := Limit{Name: "z", Max: 10, Period: time.Hour}
				var allowed atomic.Int32
				var wg sync.WaitGroup
				for range 50 {
					wg.Go(func() {
						if d, err := s.AllowN(context.Background(), "k", l, 1); err == nil && d.Allowed {
							allowed.Add(1)
						}
					})
				}
				wg.Wait()
				if allowed.Load() != 10 {
					t.Fatalf("allowed %d of 50, want 10", allowed.Load())
				}
			})
			t.Run("more than the bucket holds", func(t *testing.T) {
				s := open(t)
				if _, err := s.AllowN(t.Context(), "k", Limit{Name: "w", Max: 2, Period: time.Hour}, 3); !errors.Is(err, ErrTooMany) {
					t.Fatalf("err = %v, want ErrTooMany", err)
				}
			})
		})
	}
}

// Two stores on one Redis server (two API instances) share each bucket.
func TestRedisBucketsAreSharedAcrossInstances(t *testing.T) {
	rdb := testRedis(t)
	prefix := randomPrefix(t, rdb)
	a, b := New(NewRedis(rdb, prefix), Options{}), New(NewRedis(testRedis(t), prefix), Options{})
	l := PerHour("deployments_per_hour", 4)
	for i, q := range []*Limiter{a, b, a, b} {
		if d := q.Allow(t.Context(), l, "user:u1"); !d.Allowed {
			t.Fatalf("event %d refused: %+v", i+1, d)
		}
	}
	for _, q := range []*Limiter{a, b} {
		if d := q.Allow(t.Context(), l, "user:u1"); d.Allowed || d.RetryAfter <= 0 {
			t.Fatalf("fifth event on either instance: %+v", d)
		}
	}
}

type failingStore struct{}

func (failingStore) AllowN(context.Context, string, Limit, int) (Decision, error) {
	return Decision{}, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}

// With its store down the limiter still limits, in memory, and says so.
func TestLimiterFallsBackToMemoryWhenTheStoreFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	q := New(failingStore{}, Options{Registerer: reg})
	l := PerMinute("sign_in", 2)
	if !q.Allow(t.Context(), l, "ip:1.2.3.4").Allowed || !q.Allow(t.Context(), l, "ip:1.2.3.4").Allowed {
		t.Fatal("refused within the limit")
	}
	if q.Allow(t.Context(), l, "ip:1.2.3.4").Allowed {
		t.Fatal("the limit does not hold while the store is down")
	}
	if n := testutil.ToFloat64(q.metrics.storeErrors); n != 3 {
		t.Fatalf("store errors = %v, want 3", n)
	}
	if n := testutil.ToFloat64(q.metrics.refused.WithLabelValues("sign_in")); n != 1 {
		t.Fatalf("refusals = %v, want 1", n)
	}
}

func TestLimitOffAllowsEverything(t *testing.T) {
	q := New(nil, Options{})
	for range 100 {
		if !q.Allow(t.Context(), PerMinute("x", 0), "user:a").Allowed {
			t.Fatal("a limit of 0 refused")
		}
	}
}

// Memory drops buckets that refilled, so idle subjects cost nothing.
func TestMemoryForgetsFullBuckets(t *testing.T) {
	s := memoryStore()
	m := s.Store.(*Memory)
	l := PerMinute("x", 5)
	for _, ip := range []string{"a", "b", "c"} {
		if _, err := m.AllowN(t.Context(), ip, l, 1); err != nil {
			t.Fatal(err)
		}
	}
	if m.size() != 3 {
		t.Fatalf("size = %d", m.size())
	}
	s.advance(2 * time.Minute)
	if _, err := m.AllowN(t.Context(), "d", l, 1); err != nil {
		t.Fatal(err)
	}
	if m.size() != 1 {
		t.Fatalf("size after a sweep = %d, want 1", m.size())
	}
}

type usageMap struct {
	mu sync.Mutex
	m  map[string]int64
}

func (u *usageMap) AIUsage(_ context.Context, user string, day time.Time) (int64, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.m[user+day.Format(time.DateOnly)], nil
}

func (u *usageMap) AddAIUsage(_ context.Context, user string, day time.Time, n int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.m[user+day.Format(time.DateOnly)] += n
	return nil
}

func TestBudgetRefusesOnceTheDayIsSpentUntilMidnight(t *testing.T) {
	now := time.Date(2030, 3, 4, 22, 30, 0, 0, time.UTC)
	b := Budget{Usage: &usageMap{m: map[string]int64{}}, PerDay: 1000, Now: func() time.Time { return now }}
	d, err := b.Check(t.Context(), "u1")
	if err != nil || !d.Allowed || d.Remaining != 1000 {
		t.Fatalf("fresh day: %+v, %v", d, err)
	}
	if err := b.Charge(t.Context(), "u1", 600); err != nil {
		t.Fatal(err)
	}
	if d, _ := b.Check(t.Context(), "u1"); !d.Allowed || d.Remaining != 400 {
		t.Fatalf("after 600: %+v", d)
	}
	// The call that crosses the budget is charged in full; the next is refused.
	_ = b.Charge(t.Context(), "u1", 700)
	d, _ = b.Check(t.Context(), "u1")
	if d.Allowed || d.RetryAfter != 90*time.Minute || d.Limit.Name != BudgetName {
		t.Fatalf("spent: %+v, want refused until midnight (90m)", d)
	}
	if d, _ := b.Check(t.Context(), "u2"); !d.Allowed {
		t.Fatal("another user's budget is spent too")
	}
	now = now.Add(2 * time.Hour) // the next UTC day
	if d, _ := b.Check(t.Context(), "u1"); !d.Allowed {
		t.Fatalf("next day still refused: %+v", d)
	}
}
