package artifacts_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

// newFS is the contract's factory for the filesystem store.
func newFS(t *testing.T) contractStore {
	t.Helper()
	root := filepath.Join(t.TempDir(), "artifacts")
	s, err := artifacts.NewFS(root)
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	return contractStore{
		Store: s,
		tamper: func(t *testing.T, digest string, data []byte) {
			t.Helper()
			p := blobFile(root, digest)
			if data == nil {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		// Every file under the root counts, so a temporary file left
		// behind by a write shows as an extra blob.
		blobs: func(t *testing.T) int {
			t.Helper()
			n := 0
			err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		},
	}
}

func blobFile(root, digest string) string {
	h := strings.TrimPrefix(digest, "sha256:")
	return filepath.Join(root, "sha256", h[:2], h[2:])
}

func TestFSContract(t *testing.T) { testStoreContract(t, newFS) }

// TestFSLayout: a blob lives at root/sha256/<2 hex>/<62 hex>, read-only.
func TestFSLayout(t *testing.T) {
	root := t.TempDir()
	s, err := artifacts.NewFS(root)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.PutBlob(t.Context(), []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(blobFile(root, d))
	if err != nil {
		t.Fatalf("blob not at sharded path: %v", err)
	}
	if fi.Mode().Perm() != 0o444 {
		t.Fatalf("blob mode %v, want read-only", fi.Mode().Perm())
	}
}

func TestNewFSRejectsEmptyRoot(t *testing.T) {
	if _, err := artifacts.NewFS(""); err == nil {
		t.Fatal("NewFS(\"\") succeeded")
	}
}
