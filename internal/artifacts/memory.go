package artifacts

import (
	"bytes"
	"container/list"
	"context"
	"sync"
)

// Remembering is a Store that keeps, in memory and up to a bound, the blobs
// this process wrote to or read from the store under it, and reads them from
// memory after that. Within one process a tree is often read soon after it
// was written (the deploy worker builds the source it just generated and
// verifies the artifact it just built): on an object store each of those
// reads is a round trip per file.
//
// A digest names one content for ever, so a blob kept is never stale, and
// every blob kept is one whose bytes were checked against its digest (a put
// computes the digest from the bytes; a read from the store checks them).
// What it gives up: a blob damaged or removed in the store under it after
// this process wrote or read it is not noticed while it is kept. Writes
// always go through, so a put still replaces a damaged copy.
type Remembering struct {
	store    Store
	parallel int

	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // front: most recently used; values are *memoryEntry
	blobs map[string]*list.Element
}

type memoryEntry struct {
	digest string
	data   []byte
}

var _ Store = (*Remembering)(nil)

// DefaultRememberBytes bounds what a deploy worker keeps: trees of a few
// hundred kilobytes at most, for the few seconds between the steps of a
// deployment, for as many deployments as it runs at once.
const DefaultRememberBytes = 32 << 20

// Remember wraps store, keeping up to maxBytes of blobs (least recently used
// dropped first; a blob over a quarter of maxBytes is not kept). Trees are
// read and written as many files at a time as the store under it does.
func Remember(store Store, maxBytes int64) *Remembering {
	parallel := 1
	if p, ok := store.(interface{ treeParallelism() int }); ok {
		parallel = p.treeParallelism()
	}
	return &Remembering{store: store, parallel: parallel, max: maxBytes, order: list.New(), blobs: map[string]*list.Element{}}
}

// PutBlob writes data through to the store and keeps a copy.
func (r *Remembering) PutBlob(ctx context.Context, data []byte) (string, error) {
	digest, err := r.store.PutBlob(ctx, data)
	if err != nil {
		return "", err
	}
	r.keep(digest, data)
	return digest, nil
}

// GetBlob returns a copy of the blob kept, or reads it from the store (which
// checks it) and keeps it.
func (r *Remembering) GetBlob(ctx context.Context, digest string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if data, ok := r.kept(digest); ok {
		return data, nil
	}
	data, err := r.store.GetBlob(ctx, digest)
	if err != nil {
		return nil, err
	}
	r.keep(digest, data)
	return data, nil
}

// PutTree stores the files and their manifest through PutBlob; see Store.
func (r *Remembering) PutTree(ctx context.Context, files []File) (string, error) {
	return putTree(ctx, r, files, r.parallel)
}

// GetManifest reads the manifest through GetBlob; see Store.
func (r *Remembering) GetManifest(ctx context.Context, digest string) (Manifest, error) {
	return getManifest(ctx, r, digest)
}

// GetTree reads the manifest and the files through GetBlob; see Store.
func (r *Remembering) GetTree(ctx context.Context, digest string) ([]File, error) {
	return getTree(ctx, r, digest, r.parallel)
}

// kept returns a copy of the blob, so that no caller can change what the
// next one reads.
func (r *Remembering) kept(digest string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.blobs[digest]
	if !ok {
		return nil, false
	}
	r.order.MoveToFront(el)
	return bytes.Clone(el.Value.(*memoryEntry).data), true
}

// keep stores a copy of data (the caller may reuse its slice) if it fits.
func (r *Remembering) keep(digest string, data []byte) {
	n := int64(len(data))
	if r.max <= 0 || n > r.max/4 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.blobs[digest]; ok {
		r.order.MoveToFront(el)
		return
	}
	for r.size+n > r.max {
		e := r.order.Remove(r.order.Back()).(*memoryEntry)
		delete(r.blobs, e.digest)
		r.size -= int64(len(e.data))
	}
	r.blobs[digest] = r.order.PushFront(&memoryEntry{digest: digest, data: bytes.Clone(data)})
	r.size += n
}

// Kept returns the bytes and the number of blobs kept.
func (r *Remembering) Kept() (size int64, count int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.size, len(r.blobs)
}
