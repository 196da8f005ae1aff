package appshost

import (
	"container/list"
	"context"
	"sync"

	"github.com/forgeai/platform/internal/artifacts"
)

// DefaultCacheBytes is the apps host's blob cache size unless WithCacheBytes
// says otherwise (APPS_CACHE_BYTES).
const DefaultCacheBytes = 64 << 20

// WithCacheBytes bounds the in-memory cache of served files at max bytes; 0
// turns it off (every request then reads the artifact store).
func (h *Handler) WithCacheBytes(max int64) *Handler {
	h.blobs = newBlobCache(max)
	return h
}

// blobCache keeps file contents by digest, least recently used evicted first,
// up to max bytes in all. Blobs are content-addressed, so an entry is never
// stale: there is nothing to invalidate. A blob larger than a quarter of the
// cache is served without being kept, so one big file cannot flush it.
// Concurrent misses of one digest share a single read of the store.
type blobCache struct {
	max int64

	mu       sync.Mutex
	size     int64
	order    *list.List // front: most recently used; values are *blobEntry
	entries  map[string]*list.Element
	inflight map[string]*blobRead
}

type blobEntry struct {
	digest string
	data   []byte
}

type blobRead struct {
	done chan struct{}
	data []byte
	err  error
}

func newBlobCache(max int64) *blobCache {
	return &blobCache{max: max, order: list.New(), entries: map[string]*list.Element{}, inflight: map[string]*blobRead{}}
}

// get returns the blob from the cache, or reads it from the store (once for
// all concurrent callers) and keeps it if it fits.
func (c *blobCache) get(ctx context.Context, store artifacts.Store, digest string) ([]byte, error) {
	if c.max <= 0 {
		return store.GetBlob(ctx, digest)
	}
	c.mu.Lock()
	if el, ok := c.entries[digest]; ok {
		c.order.MoveToFront(el)
		data := el.Value.(*blobEntry).data
		c.mu.Unlock()
		return data, nil
	}
	if r, ok := c.inflight[digest]; ok {
		c.mu.Unlock()
		select {
		case <-r.done:
			if r.err != nil {
				// The reader's failure may be its own (a cancelled
				// request): try for this request.
				return store.GetBlob(ctx, digest)
			}
			return r.data, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r := &blobRead{done: make(chan struct{})}
	c.inflight[digest] = r
	c.mu.Unlock()

	r.data, r.err = store.GetBlob(ctx, digest)

	c.mu.Lock()
	delete(c.inflight, digest)
	if r.err == nil {
		c.add(digest, r.data)
	}
	c.mu.Unlock()
	close(r.done)
	return r.data, r.err
}

// add keeps data if it fits, evicting the least recently used; c.mu is held.
func (c *blobCache) add(digest string, data []byte) {
	n := int64(len(data))
	if n > c.max/4 {
		return
	}
	if _, ok := c.entries[digest]; ok {
		return
	}
	for c.size+n > c.max {
		last := c.order.Back()
		e := c.order.Remove(last).(*blobEntry)
		delete(c.entries, e.digest)
		c.size -= int64(len(e.data))
	}
	c.entries[digest] = c.order.PushFront(&blobEntry{digest: digest, data: data})
	c.size += n
}

// stats returns the bytes and the number of blobs held (for tests).
func (c *blobCache) stats() (size int64, count int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size, len(c.entries)
}
