package artifacts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

func newStore(t *testing.T) (*artifacts.FS, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "artifacts")
	s, err := artifacts.NewFS(root)
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	return s, root
}

func blobFile(t *testing.T, root, digest string) string {
	t.Helper()
	h := strings.TrimPrefix(digest, "sha256:")
	return filepath.Join(root, "sha256", h[:2], h[2:])
}

func TestBlobRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, root := newStore(t)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", []byte{}, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"text", []byte("hello"), "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"binary", []byte{0, 1, 2, 255}, artifacts.DigestOf([]byte{0, 1, 2, 255})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.PutBlob(ctx, tc.data)
			if err != nil || d != tc.want {
				t.Fatalf("PutBlob = %q, %v; want %q", d, err, tc.want)
			}
			if _, err := os.Stat(blobFile(t, root, d)); err != nil {
				t.Fatalf("blob not at sharded path: %v", err)
			}
			got, err := s.GetBlob(ctx, d)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("GetBlob = %q, %v; want %q", got, err, tc.data)
			}
			again, err := s.PutBlob(ctx, tc.data)
			if err != nil || again != d {
				t.Fatalf("second PutBlob = %q, %v; want %q", again, err, d)
			}
		})
	}
}

func TestGetBlobErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
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

func TestCorruptBlob(t *testing.T) {
	ctx := context.Background()
	s, root := newStore(t)
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
			p := blobFile(t, root, d)
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tc.corrupt, 0o644); err != nil {
				t.Fatal(err)
			}
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

func TestConcurrentPutBlob(t *testing.T) {
	ctx := context.Background()
	s, root := newStore(t)
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
	entries, err := os.ReadDir(filepath.Dir(blobFile(t, root, want)))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("shard directory holds %d entries, want 1 (temporary files left behind?)", len(entries))
	}
}

func TestNewFSRejectsEmptyRoot(t *testing.T) {
	if _, err := artifacts.NewFS(""); err == nil {
		t.Fatal("NewFS(\"\") succeeded")
	}
}
