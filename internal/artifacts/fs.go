package artifacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FS is a Store on the local filesystem. The blob "sha256:abcd…" lives at
// root/sha256/ab/cd…; a blob file is only ever created whole, by renaming a
// synced temporary file, so readers and crashes never see a partial blob.
type FS struct {
	root string
}

var _ Store = (*FS)(nil)

// NewFS returns a store rooted at root, creating the directory if needed.
func NewFS(root string) (*FS, error) {
	if root == "" {
		return nil, errors.New("artifacts: empty root directory")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("artifacts root %q: %w", root, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, "sha256"), 0o755); err != nil {
		return nil, fmt.Errorf("create artifacts root: %w", err)
	}
	return &FS{root: abs}, nil
}

// blobPath is only called with a validated digest, so it cannot leave root.
func (s *FS) blobPath(digest string) string {
	h := digest[len(digestPrefix):]
	return filepath.Join(s.root, "sha256", h[:2], h[2:])
}

// PutBlob stores data under its digest. An intact existing copy is kept as is;
// a damaged one is replaced.
func (s *FS) PutBlob(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	digest := DigestOf(data)
	p := s.blobPath(digest)
	if existing, err := os.ReadFile(p); err == nil && bytes.Equal(existing, data) {
		return digest, nil
	}
	if err := writeAtomic(p, data); err != nil {
		return "", fmt.Errorf("put blob %s: %w", digest, err)
	}
	return digest, nil
}

// GetBlob returns the blob's bytes after checking them against the digest.
func (s *FS) GetBlob(ctx context.Context, digest string) ([]byte, error) {
	if err := checkDigest(digest); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.blobPath(digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", digest, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", digest, err)
	}
	if DigestOf(data) != digest {
		return nil, fmt.Errorf("blob %s: %w: content hash mismatch", digest, ErrCorrupt)
	}
	return data, nil
}

// PutTree stores the files and their manifest; see Store.
func (s *FS) PutTree(ctx context.Context, files []File) (string, error) {
	return putTree(ctx, s, files, s.treeParallelism())
}

// treeParallelism is how many files of a tree are read or written at once:
// one (a local file is no round trip).
func (*FS) treeParallelism() int { return 1 }

// GetManifest returns the manifest named by digest; see Store.
func (s *FS) GetManifest(ctx context.Context, digest string) (Manifest, error) {
	return getManifest(ctx, s, digest)
}

// GetTree returns the files of the tree named by digest; see Store.
func (s *FS) GetTree(ctx context.Context, digest string) ([]File, error) {
	return getTree(ctx, s, digest, s.treeParallelism())
}

// writeAtomic writes data to a temporary file beside p, syncs it and renames
// it over p. Concurrent writers of the same digest write the same bytes, so
// whichever rename lands last is as good as the first.
func writeAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o444); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. It is best effort: some filesystems refuse
// to sync a directory, and the blob is already complete either way.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
