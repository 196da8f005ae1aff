package api

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// The template list is read far more often than templates change (a
// rating, a new project counting a use, a publication), so each instance
// keeps the pages it answered: the rows without any viewer's marks and the
// anonymous answer encoded. An entry is served only at the store's
// templates version it was read at (models.Store.TemplatesVersion), which
// moves with every change this process makes and every change any process
// commits (a trigger NOTIFYs the event listener), and only while that
// listener hears every change; a signed-in viewer's favourites and ratings
// are still read per request. So a change shows on the next read here, and
// on other instances as soon as the notification arrives.
const (
	// templateCacheMaxAge bounds an entry's life whatever is heard.
	templateCacheMaxAge = 30 * time.Second
	// templateCacheMax bounds the entries (queries are the client's
	// choice); past it the cache starts over.
	templateCacheMax = 512
)

// templateListKey is everything of a TemplateFilter but the viewer.
type templateListKey struct {
	industry, compliance, query string
	sort                        models.TemplateSort
	page, size                  int
}

// templateList is one cached page; shared by every hit, never modified.
type templateList struct {
	items []models.TemplateItem // without marks
	total int64
	body  []byte // {"data":…,"meta":…} as an anonymous viewer gets it
	until time.Time
}

// templateListCache holds pages read at one templates version.
type templateListCache struct {
	mu      sync.RWMutex
	version uint64
	entries map[templateListKey]*templateList
}

// cacheKey is f's key; false when the answer depends on the viewer beyond
// marks (favorites=true).
func templateListKeyOf(f models.TemplateFilter) (templateListKey, bool) {
	if f.FavoritesOf != "" {
		return templateListKey{}, false
	}
	k := templateListKey{industry: f.Industry, query: f.Query, sort: f.Sort, page: f.Page.Number, size: f.Page.Size}
	if len(f.Compliance) > 0 {
		k.compliance = strings.Join(f.Compliance, ",")
	}
	return k, true
}

func (c *templateListCache) get(k templateListKey, version uint64, now time.Time) *templateList {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if version != c.version {
		return nil
	}
	e := c.entries[k]
	if e == nil || !now.Before(e.until) {
		return nil
	}
	return e
}

// put keeps e as read at version, unless the cache already moved past it.
func (c *templateListCache) put(k templateListKey, version uint64, e *templateList) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		return // read before a change the cache already knows of
	case version > c.version || c.entries == nil:
		c.version, c.entries = version, make(map[templateListKey]*templateList)
	case len(c.entries) >= templateCacheMax:
		clear(c.entries)
	}
	c.entries[k] = e
}

// listTemplatesCached answers f from the cache when it may, else reads the
// page and keeps it. ok is false when the cache does not apply (favourites,
// or no listener: SQLite, a reconnecting listener).
func (s *Server) listTemplatesCached(c *fiber.Ctx, f models.TemplateFilter) (bool, error) {
	k, cacheable := templateListKeyOf(f)
	version, reuse := s.store.TemplatesVersion()
	if !cacheable || !reuse {
		return false, nil
	}
	e := s.templateLists.get(k, version, time.Now())
	if e == nil {
		viewer := f.ViewerID
		f.ViewerID = ""
		items, total, err := s.store.ListTemplates(c.UserContext(), f)
		if err != nil {
			return true, err
		}
		f.ViewerID = viewer
		body, err := json.Marshal(fiber.Map{"data": templateResponses(items), "meta": listMetaOf(f, total)})
		if err != nil {
			return true, err
		}
		e = &templateList{items: items, total: total, body: body, until: time.Now().Add(templateCacheMaxAge)}
		s.templateLists.put(k, version, e)
	}
	if f.ViewerID == "" {
		c.Status(fiber.StatusOK)
		c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
		c.Response().SetBodyRaw(e.body) // never modified: shared by every hit
		return true, nil
	}
	items := append([]models.TemplateItem(nil), e.items...)
	if err := s.store.TemplateMarks(c.UserContext(), items, f.ViewerID); err != nil {
		return true, err
	}
	return true, okList(c, templateResponses(items), listMetaOf(f, e.total))
}

func templateResponses(items []models.TemplateItem) []templateResponse {
	out := make([]templateResponse, len(items))
	for i, t := range items {
		out[i] = toTemplate(t, false)
	}
	return out
}

func listMetaOf(f models.TemplateFilter, total int64) listMeta {
	return listMeta{Page: f.Page.Number, PageSize: f.Page.Size, Total: total}
}
