package artifacts_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

// contractStore is a fresh, empty Store with what the contract needs to look
// behind it: every backend lays blobs out its own way.
type contractStore struct {
	artifacts.Store
	// tamper replaces the bytes stored under digest behind the store's
	// back; nil data removes the blob.
	tamper func(t *testing.T, digest string, data []byte)
	// blobs counts the blobs stored.
	blobs func(t *testing.T) int
}

// storeFactory returns a new, empty store for each call.
type storeFactory func(t *testing.T) contractStore

// testStoreContract is what every Store (FS, S3) must do, run against the
// stores of one factory: fs_test.go and s3_test.go call it. A wrapper that
// knowingly does less (Remembering does not notice damage behind it) names
// the parts it skips.
func testStoreContract(t *testing.T, newStore storeFactory, skip ...string) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, storeFactory)
	}{
		{"BlobRoundTrip", contractBlobRoundTrip},
		{"GetBlobErrors", contractGetBlobErrors},
		{"CorruptBlob", contractCorruptBlob},
		{"ConcurrentPutBlob", contractConcurrentPutBlob},
		{"TreeRoundTrip", contractTreeRoundTrip},
		{"TreeDigestIsCanonical", contractTreeDigestIsCanonical},
		{"TreeDigestWithoutStoring", contractTreeDigestWithoutStoring},
		{"PutTreeRejectsBadPaths", contractPutTreeRejectsBadPaths},
		{"GetManifestRejectsNonManifests", contractGetManifestRejectsNonManifests},
		{"GetTreeMissingFile", contractGetTreeMissingFile},
		{"CancelledContext", contractCancelledContext},
	} {
		if slices.Contains(skip, c.name) {
			continue
		}
		t.Run(c.name, func(t *testing.T) { c.run(t, newStore) })
	}
}

func contractBlobRoundTrip(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", []byte{}, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"text", []byte("hello"), "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"binary", []byte{0, 1, 2, 255}, artifacts.DigestOf([]byte{0, 1, 2, 255})},
		{"large", bytes.Repeat([]byte("0123456789abcdef"), 1<<16), artifacts.DigestOf(bytes.Repeat([]byte("0123456789abcdef"), 1<<16))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.PutBlob(ctx, tc.data)
			if err != nil || d != tc.want {
				t.Fatalf("PutBlob = %q, %v; want %q", d, err, tc.want)
			}
			got, err := s.GetBlob(ctx, d)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("GetBlob = %d bytes, %v; want %d bytes", len(got), err, len(tc.data))
			}
			again, err := s.PutBlob(ctx, tc.data)
			if err != nil || again != d {
				t.Fatalf("second PutBlob = %q, %v; want %q", again, err, d)
			}
		})
	}
	if n := s.blobs(t); n != len(tests) {
		t.Fatalf("%d blobs stored for %d distinct contents", n, len(tests))
	}
}

func contractGetBlobErrors(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	missing := artifacts.DigestOf([]byte("never stored"))
	tests := []struct {
		name   string
		digest string
		want   error
	}{
		{"missing", missing, artifacts.ErrNotFound},
		{"empty", "", artifacts.ErrInvalidDigest},
		{"no prefix", strings.TrimPrefix(missing, "sha256:"), artifacts.ErrInvalidDigest},
		{"other algorithm", "md5:" + strings.TrimPrefix(missing, "sha256:"), artifacts.ErrInvalidDigest},
		{"upper case", strings.ToUpper(missing), artifacts.ErrInvalidDigest},
		{"short", missing[:len(missing)-1], artifacts.ErrInvalidDigest},
		{"long", missing + "0", artifacts.ErrInvalidDigest},
		{"traversal", "sha256:../../../../../../etc/passwd", artifacts.ErrInvalidDigest},
		{"traversal of hex length", "sha256:" + strings.Repeat("../", 21) + "a", artifacts.ErrInvalidDigest},
		{"non hex", "sha256:" + strings.Repeat("g", 64), artifacts.ErrInvalidDigest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.GetBlob(ctx, tc.digest); !errors.Is(err, tc.want) {
				t.Fatalf("GetBlob(%q) error = %v; want %v", tc.digest, err, tc.want)
			}
			if _, err := s.GetManifest(ctx, tc.digest); !errors.Is(err, tc.want) {
				t.Fatalf("GetManifest(%q) error = %v; want %v", tc.digest, err, tc.want)
			}
			if _, err := s.GetTree(ctx, tc.digest); !errors.Is(err, tc.want) {
				t.Fatalf("GetTree(%q) error = %v; want %v", tc.digest, err, tc.want)
			}
		})
	}
}

func contractCorruptBlob(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	tests := []struct {
		name    string
		corrupt []byte
	}{
		{"changed byte", []byte("hellO world")},
		{"truncated", []byte("hello")},
		{"empty", []byte{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte("hello world")
			d, err := s.PutBlob(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			s.tamper(t, d, tc.corrupt)
			if _, err := s.GetBlob(ctx, d); !errors.Is(err, artifacts.ErrCorrupt) {
				t.Fatalf("GetBlob of corrupt blob: error = %v; want ErrCorrupt", err)
			}
			// Putting the same bytes again repairs the blob.
			if _, err := s.PutBlob(ctx, data); err != nil {
				t.Fatal(err)
			}
			if got, err := s.GetBlob(ctx, d); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("GetBlob after repair = %q, %v", got, err)
			}
		})
	}
}

func contractConcurrentPutBlob(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	data := bytes.Repeat([]byte("concurrent content "), 50_000)
	const writers = 20
	digests := make([]string, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() { digests[i], errs[i] = s.PutBlob(ctx, data) })
	}
	wg.Wait()
	want := artifacts.DigestOf(data)
	for i := range writers {
		if errs[i] != nil || digests[i] != want {
			t.Fatalf("writer %d: PutBlob = %q, %v; want %q", i, digests[i], errs[i], want)
		}
	}
	got, err := s.GetBlob(ctx, want)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetBlob after concurrent puts: %v", err)
	}
	if n := s.blobs(t); n != 1 {
		t.Fatalf("%d blobs stored after concurrent puts of one content, want 1", n)
	}
}

func sampleFiles() []artifacts.File {
	return []artifacts.File{
		{Path: "index.html", Content: []byte("<!doctype html><title>x</title>")},
		{Path: "assets/app.js", Content: []byte("console.log(1)")},
		{Path: "assets/app.css", Content: []byte("body{}")},
		{Path: "data/empty.bin", Content: []byte{}},
		{Path: "a..b.txt", Content: []byte("dots inside a name are fine")},
	}
}

func contractTreeRoundTrip(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	files := sampleFiles()
	d, err := s.PutTree(ctx, files)
	if err != nil {
		t.Fatalf("PutTree: %v", err)
	}
	m, err := s.GetManifest(ctx, d)
	if err != nil {
		t.Fatalf("GetManifest: %v", err)
	}
	wantPaths := []string{"a..b.txt", "assets/app.css", "assets/app.js", "data/empty.bin", "index.html"}
	var gotPaths []string
	for _, e := range m.Files {
		gotPaths = append(gotPaths, e.Path)
	}
	if !slices.Equal(gotPaths, wantPaths) {
		t.Fatalf("manifest paths = %v; want %v", gotPaths, wantPaths)
	}
	byPath := map[string]artifacts.File{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	for _, e := range m.Files {
		f := byPath[e.Path]
		if e.Digest != artifacts.DigestOf(f.Content) || e.Size != int64(len(f.Content)) || e.ContentType != artifacts.ContentTypeOf(e.Path) {
			t.Errorf("entry %+v does not describe %q", e, f.Path)
		}
	}
	tree, err := s.GetTree(ctx, d)
	if err != nil {
		t.Fatalf("GetTree: %v", err)
	}
	if len(tree) != len(wantPaths) {
		t.Fatalf("GetTree returned %d files, want %d", len(tree), len(wantPaths))
	}
	for i, f := range tree {
		if f.Path != wantPaths[i] || !bytes.Equal(f.Content, byPath[f.Path].Content) {
			t.Errorf("tree file %d = %q %q", i, f.Path, f.Content)
		}
	}
	if n := s.blobs(t); n != len(files)+1 {
		t.Fatalf("%d blobs stored for %d files and a manifest", n, len(files))
	}
}

func contractTreeDigestIsCanonical(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	other := newStore(t)
	files := sampleFiles()
	reversed := slices.Clone(files)
	slices.Reverse(reversed)
	d1, err := s.PutTree(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		store artifacts.Store
		files []artifacts.File
	}{
		{"same order again", s, files},
		{"reversed order", s, reversed},
		{"other store", other, reversed},
	}
	want, err := s.GetBlob(ctx, d1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d2, err := tc.store.PutTree(ctx, tc.files)
			if err != nil || d2 != d1 {
				t.Fatalf("PutTree = %q, %v; want %q", d2, err, d1)
			}
			got, err := tc.store.GetBlob(ctx, d2)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("manifest bytes differ:\n%s\n%s", got, want)
			}
		})
	}
	changed := slices.Clone(files)
	changed[0].Content = []byte("changed")
	if d3, err := s.PutTree(ctx, changed); err != nil || d3 == d1 {
		t.Fatalf("changed tree digest = %q, %v; want a new digest", d3, err)
	}
}

// contractTreeDigestWithoutStoring: TreeDigest is the digest PutTree
// gives, and refuses what PutTree refuses.
func contractTreeDigestWithoutStoring(t *testing.T, newStore storeFactory) {
	s := newStore(t)
	files := sampleFiles()
	want, err := artifacts.TreeDigest(files)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.blobs(t); n != 0 {
		t.Fatalf("TreeDigest stored %d blobs", n)
	}
	if got, err := s.PutTree(context.Background(), files); err != nil || got != want {
		t.Fatalf("PutTree = %q, %v; TreeDigest gave %q", got, err, want)
	}
	dup := append(sampleFiles(), artifacts.File{Path: "index.html", Content: []byte("again")})
	if _, err := artifacts.TreeDigest(dup); !errors.Is(err, artifacts.ErrInvalidPath) {
		t.Fatalf("TreeDigest of a duplicate path: %v; want ErrInvalidPath", err)
	}
}

func contractPutTreeRejectsBadPaths(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	tests := []struct {
		name string
		path string
	}{
		{"empty", ""},
		{"absolute", "/etc/passwd"},
		{"parent", "../escape.html"},
		{"inner parent", "a/../../b.html"},
		{"trailing parent", "a/.."},
		{"dot", "./a.html"},
		{"backslash", `a\b.html`},
		{"empty segment", "a//b.html"},
		{"trailing slash", "dir/"},
		{"control character", "a\x00.html"},
		{"duplicate", "index.html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := []artifacts.File{{Path: "index.html", Content: []byte("x")}, {Path: tc.path, Content: []byte("y")}}
			_, err := s.PutTree(ctx, files)
			if !errors.Is(err, artifacts.ErrInvalidPath) {
				t.Fatalf("PutTree(%q) error = %v; want ErrInvalidPath", tc.path, err)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tc.path)) {
				t.Fatalf("error %q does not name the path %q", err, tc.path)
			}
		})
	}
	// Nothing was stored for a rejected tree.
	if n := s.blobs(t); n != 0 {
		t.Fatalf("rejected trees left %d blobs", n)
	}
}

func contractGetManifestRejectsNonManifests(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	tests := []struct {
		name string
		blob string
	}{
		{"html", "<!doctype html>"},
		{"other json", `{"name":"x"}`},
		{"null files", `{"files":null}`},
		{"unsorted", `{"files":[{"path":"b","digest":"` + artifacts.DigestOf(nil) + `","size":0,"contentType":"x"},{"path":"a","digest":"` + artifacts.DigestOf(nil) + `","size":0,"contentType":"x"}]}`},
		{"traversal entry", `{"files":[{"path":"../x","digest":"` + artifacts.DigestOf(nil) + `","size":0,"contentType":"x"}]}`},
		{"bad entry digest", `{"files":[{"path":"a","digest":"sha256:zz","size":0,"contentType":"x"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.PutBlob(ctx, []byte(tc.blob))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetManifest(ctx, d); !errors.Is(err, artifacts.ErrInvalidManifest) {
				t.Fatalf("GetManifest error = %v; want ErrInvalidManifest", err)
			}
		})
	}
}

func contractGetTreeMissingFile(t *testing.T, newStore storeFactory) {
	ctx := context.Background()
	s := newStore(t)
	d, err := s.PutTree(ctx, []artifacts.File{
		{Path: "index.html", Content: []byte("hi")}, {Path: "app.js", Content: []byte("x()")},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.tamper(t, artifacts.DigestOf([]byte("hi")), nil)
	if _, err := s.GetTree(ctx, d); !errors.Is(err, artifacts.ErrNotFound) || !strings.Contains(err.Error(), `"index.html"`) {
		t.Fatalf("GetTree with a missing file: error = %v; want ErrNotFound naming index.html", err)
	}
	if _, err := s.GetManifest(ctx, d); err != nil {
		t.Fatalf("GetManifest needs only the manifest: %v", err)
	}
}

func contractCancelledContext(t *testing.T, newStore storeFactory) {
	s := newStore(t)
	d, err := s.PutTree(context.Background(), sampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.PutBlob(ctx, []byte("late")); !errors.Is(err, context.Canceled) {
		t.Errorf("PutBlob with a cancelled context: %v", err)
	}
	if _, err := s.GetBlob(ctx, d); !errors.Is(err, context.Canceled) {
		t.Errorf("GetBlob with a cancelled context: %v", err)
	}
	if _, err := s.PutTree(ctx, []artifacts.File{{Path: "late.txt", Content: []byte("late")}}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutTree with a cancelled context: %v", err)
	}
	if _, err := s.GetTree(ctx, d); !errors.Is(err, context.Canceled) {
		t.Errorf("GetTree with a cancelled context: %v", err)
	}
}
