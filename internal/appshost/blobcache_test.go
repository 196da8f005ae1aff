package appshost

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/artifacts"
)

// countingStore counts GetBlob calls by digest; gate, when set, holds every
// read until it is closed; fail makes reads fail.
type countingStore struct {
	artifacts.Store
	mu    sync.Mutex
	reads map[string]int
	gate  chan struct{}
	fail  atomic.Bool
}

func (s *countingStore) GetBlob(ctx context.Context, digest string) ([]byte, error) {
	s.mu.Lock()
	s.reads[digest]++
	s.mu.Unlock()
	if s.gate != nil {
		<-s.gate
	}
	if s.fail.Load() {
		return nil, errors.New("object store unavailable")
	}
	return s.Store.GetBlob(ctx, digest)
}

func (s *countingStore) count(digest string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[digest]
}

func newCountingStore(t *testing.T, blobs ...string) (*countingStore, []string) {
	t.Helper()
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	for _, b := range blobs {
		d, err := fs.PutBlob(t.Context(), []byte(b))
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	return &countingStore{Store: fs, reads: map[string]int{}}, digests
}

func TestBlobCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := t.Context()
	// Four blobs of 10 bytes in a cache of 40: a fifth evicts the least recently used.
	store, d := newCountingStore(t, "aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc", "dddddddddd", "eeeeeeeeee")
	c := newBlobCache(40)
	get := func(i int) {
		t.Helper()
		data, err := c.get(ctx, store, d[i])
		if err != nil || len(data) != 10 || data[0] != "abcde"[i] {
			t.Fatalf("get %d = %q, %v", i, data, err)
		}
	}
	for i := range 4 {
		get(i)
	}
	get(0) // 0 is now the most recently used; 1 the least
	if size, n := c.stats(); size != 40 || n != 4 {
		t.Fatalf("cache holds %d bytes in %d blobs, want 40 in 4", size, n)
	}
	get(4) // evicts 1
	if size, n := c.stats(); size != 40 || n != 4 {
		t.Fatalf("cache holds %d bytes in %d blobs after eviction, want 40 in 4", size, n)
	}
	for _, i := range []int{0, 2, 3, 4} {
		get(i)
	}
	get(1)
	want := []int{1, 2, 1, 1, 1}
	for i, w := range want {
		if got := store.count(d[i]); got != w {
			t.Errorf("blob %d read from the store %d times, want %d", i, got, w)
		}
	}
}

func TestBlobCacheBounds(t *testing.T) {
	ctx := t.Context()
	big := strings.Repeat("x", 30)
	store, d := newCountingStore(t, big, "small")
	c := newBlobCache(100)
	for range 3 {
		if data, err := c.get(ctx, store, d[0]); err != nil || string(data) != big {
			t.Fatalf("get big = %q, %v", data, err)
		}
	}
	if got := store.count(d[0]); got != 3 {
		t.Errorf("a blob over a quarter of the cache was read %d times for 3 gets, want 3 (not kept)", got)
	}
	if size, n := c.stats(); size != 0 || n != 0 {
		t.Errorf("cache holds %d bytes in %d blobs, want none", size, n)
	}

	off := newBlobCache(0)
	for range 2 {
		if _, err := off.get(ctx, store, d[1]); err != nil {
			t.Fatal(err)
		}
	}
	if got := store.count(d[1]); got != 2 {
		t.Errorf("with the cache off the blob was read %d times for 2 gets, want 2", got)
	}
}

func TestBlobCacheDoesNotKeepErrors(t *testing.T) {
	ctx := t.Context()
	store, d := newCountingStore(t, "content")
	c := newBlobCache(1 << 20)
	store.fail.Store(true)
	if _, err := c.get(ctx, store, d[0]); err == nil {
		t.Fatal("get succeeded while the store fails")
	}
	store.fail.Store(false)
	if data, err := c.get(ctx, store, d[0]); err != nil || string(data) != "content" {
		t.Fatalf("get after the store recovered = %q, %v", data, err)
	}
	missing := artifacts.DigestOf([]byte("missing"))
	for range 2 {
		if _, err := c.get(ctx, store, missing); !errors.Is(err, artifacts.ErrNotFound) {
			t.Fatalf("get missing = %v, want ErrNotFound", err)
		}
	}
	if got := store.count(missing); got != 2 {
		t.Errorf("a missing blob was read %d times for 2 gets, want 2 (not cached)", got)
	}
}

// TestBlobCacheSharesConcurrentMisses: many requests for one uncached file
// (a release just went live) read the store once.
func TestBlobCacheSharesConcurrentMisses(t *testing.T) {
	store, d := newCountingStore(t, "popular")
	store.gate = make(chan struct{})
	c := newBlobCache(1 << 20)
	const readers = 20
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			data, err := c.get(context.Background(), store, d[0])
			if err == nil && string(data) != "popular" {
				err = fmt.Errorf("got %q", data)
			}
			errs <- err
		})
	}
	// Wait until the first read reached the store and the others queued behind it.
	deadline := time.Now().Add(5 * time.Second)
	for store.count(d[0]) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(store.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := store.count(d[0]); got != 1 {
		t.Fatalf("%d concurrent gets read the store %d times, want 1", readers, got)
	}
}

// TestBlobCacheWaiterGivesUp: a request waiting on another's read stops
// when its own context ends.
func TestBlobCacheWaiterGivesUp(t *testing.T) {
	store, d := newCountingStore(t, "slow")
	store.gate = make(chan struct{})
	defer close(store.gate)
	c := newBlobCache(1 << 20)
	go func() { _, _ = c.get(context.Background(), store, d[0]) }()
	deadline := time.Now().Add(5 * time.Second)
	for store.count(d[0]) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.get(ctx, store, d[0]); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting get = %v, want its deadline", err)
	}
}

// TestServedFilesComeFromTheCache: the apps host reads a file from the store
// once, then serves it from memory; a revalidation with the ETag (the file's
// digest) is a 304 that reads nothing.
func TestServedFilesComeFromTheCache(t *testing.T) {
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tree, err := fs.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte("<h1>cached</h1>")}})
	if err != nil {
		t.Fatal(err)
	}
	file := artifacts.DigestOf([]byte("<h1>cached</h1>"))
	for _, tc := range []struct {
		name  string
		bytes int64
		reads int
	}{
		{"cache on", 1 << 20, 1},
		{"cache off", 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &countingStore{Store: fs, reads: map[string]int{}}
			h := New(store, staticResolver(tree), MustParseOrigins("http://apps.test"), nil).WithCacheBytes(tc.bytes)
			var etag string
			for range 3 {
				res := serve(h, "GET", "http://acme.apps.test/", nil)
				if res.Code != 200 || res.Body.String() != "<h1>cached</h1>" {
					t.Fatalf("GET = %d %q", res.Code, res.Body)
				}
				etag = res.Header().Get("ETag")
			}
			if etag != `"`+file+`"` {
				t.Fatalf("ETag = %q, want the file's digest %q", etag, file)
			}
			for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
				res := serve(h, "GET", "http://acme.apps.test/", map[string]string{"If-None-Match": inm})
				if res.Code != 304 || res.Body.Len() != 0 || res.Header().Get("ETag") != etag {
					t.Fatalf("If-None-Match %s = %d %q, ETag %q", inm, res.Code, res.Body, res.Header().Get("ETag"))
				}
			}
			if got := store.count(file); got != tc.reads {
				t.Fatalf("3 GETs and 3 revalidations read the file %d times, want %d", got, tc.reads)
			}
		})
	}
}

// staticResolver serves one tree as every project's live release.
type staticResolver string

func (r staticResolver) LiveArtifact(context.Context, string) (string, error) { return string(r), nil }
func (r staticResolver) DeploymentArtifact(context.Context, string) (string, error) {
	return string(r), nil
}

func serve(h *Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
