package appshost

import (
	"sync"

	"github.com/forgeai/platform/internal/artifacts"
)

// manifestCache keeps parsed manifests by digest, up to max of them. Eviction
// is arbitrary: an evicted manifest is simply read from the store again.
type manifestCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]map[string]artifacts.Entry
}

func newManifestCache(max int) *manifestCache {
	return &manifestCache{max: max, entries: make(map[string]map[string]artifacts.Entry)}
}

func (c *manifestCache) get(digest string) (map[string]artifacts.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[digest]
	return e, ok
}

func (c *manifestCache) put(digest string, entries map[string]artifacts.Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, k)
	}
	c.entries[digest] = entries
}
