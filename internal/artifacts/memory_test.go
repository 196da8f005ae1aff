package artifacts_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

// counted counts the reads that reach the store under a Remembering.
type counted struct {
	artifacts.Store
	reads, writes atomic.Int64
}

func (c *counted) GetBlob(ctx context.Context, digest string) ([]byte, error) {
	c.reads.Add(1)
	return c.Store.GetBlob(ctx, digest)
}

func (c *counted) PutBlob(ctx context.Context, data []byte) (string, error) {
	c.writes.Add(1)
	return c.Store.PutBlob(ctx, data)
}

// Remembering keeps the contract, except noticing a blob damaged or removed
// behind it once it keeps that blob: then it still returns the right bytes.
func TestRememberingContract(t *testing.T) {
	testStoreContract(t, func(t *testing.T) contractStore {
		s := newFS(t)
		s.Store = artifacts.Remember(s.Store, 1<<20)
		return s
	}, "CorruptBlob", "GetTreeMissingFile")
}

func TestRememberingReadsWhatItWroteFromMemory(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t)
	under := &counted{Store: fs.Store}
	r := artifacts.Remember(under, 1<<20)
	files := sampleFiles()
	d, err := r.PutTree(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	if n := under.writes.Load(); n != int64(len(files)+1) {
		t.Fatalf("%d writes reached the store for %d files and a manifest", n, len(files))
	}
	tree, err := r.GetTree(ctx, d)
	if err != nil || len(tree) != len(files) {
		t.Fatalf("GetTree = %d files, %v", len(tree), err)
	}
	if _, err := r.GetManifest(ctx, d); err != nil {
		t.Fatal(err)
	}
	if n := under.reads.Load(); n != 0 {
		t.Fatalf("%d reads reached the store for a tree this process wrote", n)
	}
	// A caller changing what it got changes nothing for the next one.
	for i := range tree {
		for j := range tree[i].Content {
			tree[i].Content[j] = '!'
		}
	}
	again, err := r.GetTree(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range again {
		if artifacts.DigestOf(f.Content) != artifacts.DigestOf(contentOf(files, f.Path)) {
			t.Fatalf("%s changed in memory: %q", f.Path, f.Content)
		}
	}

	// Damage behind it goes unnoticed for what it keeps (the bytes it
	// returns are still the right ones), and a put still writes through.
	index := artifacts.DigestOf(contentOf(files, "index.html"))
	fs.tamper(t, index, []byte("damaged"))
	if got, err := r.GetBlob(ctx, index); err != nil || !bytes.Equal(got, contentOf(files, "index.html")) {
		t.Fatalf("GetBlob of a kept blob = %q, %v", got, err)
	}
	if _, err := r.PutTree(ctx, files); err != nil {
		t.Fatal(err)
	}
	if got, err := fs.GetBlob(ctx, index); err != nil || !bytes.Equal(got, contentOf(files, "index.html")) {
		t.Fatalf("the store after a put through Remembering: %q, %v", got, err)
	}
}

func TestRememberingKeepsWhatItReadAndStaysWithinItsBound(t *testing.T) {
	ctx := context.Background()
	fs := newFS(t)
	blob := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 100) }
	var digests []string
	for i := range 10 {
		d, err := fs.PutBlob(ctx, blob(i))
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	big, err := fs.PutBlob(ctx, bytes.Repeat([]byte("big"), 100))
	if err != nil {
		t.Fatal(err)
	}
	under := &counted{Store: fs.Store}
	r := artifacts.Remember(under, 450) // four blobs of 100 bytes; none over 112
	read := func(d string) {
		t.Helper()
		if _, err := r.GetBlob(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range digests {
		read(d)
	}
	if size, count := r.Kept(); size != 400 || count != 4 {
		t.Fatalf("kept %d bytes in %d blobs; want 400 in 4", size, count)
	}
	before := under.reads.Load()
	read(digests[9]) // kept: the most recent
	read(digests[6])
	if n := under.reads.Load() - before; n != 0 {
		t.Fatalf("%d reads reached the store for kept blobs", n)
	}
	read(digests[0]) // dropped long ago
	read(big)        // over a quarter of the bound: never kept
	read(big)
	if n := under.reads.Load() - before; n != 3 {
		t.Fatalf("%d reads reached the store; want 3", n)
	}
	if size, count := r.Kept(); size != 400 || count != 4 {
		t.Fatalf("kept %d bytes in %d blobs; want 400 in 4", size, count)
	}
	// Nothing kept with a bound of 0.
	none := artifacts.Remember(under, 0)
	if _, err := none.GetBlob(ctx, digests[1]); err != nil {
		t.Fatal(err)
	}
	if size, count := none.Kept(); size != 0 || count != 0 {
		t.Fatalf("a bound of 0 kept %d bytes in %d blobs", size, count)
	}
}

func contentOf(files []artifacts.File, path string) []byte {
	for _, f := range files {
		if f.Path == path {
			return f.Content
		}
	}
	return nil
}
