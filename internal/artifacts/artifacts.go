// Package artifacts is a content-addressed store for source trees and built
// bundles. A blob is named by the SHA-256 of its bytes; a tree is a canonical
// JSON manifest blob listing its files, so the manifest's digest names the
// whole tree and equal trees always get equal digests.
package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// File is one file of a source tree or bundle.
type File struct {
	Path    string
	Content []byte
}

// Entry is one file of a manifest.
type Entry struct {
	Path        string `json:"path"`
	Digest      string `json:"digest"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// Manifest lists a tree's files, sorted by Path; its own digest names the tree.
type Manifest struct {
	Files []Entry `json:"files"`
}

var (
	// ErrNotFound means no blob or tree is stored under the digest.
	ErrNotFound = errors.New("artifact not found")
	// ErrInvalidDigest means a digest is not of the form "sha256:<64 lowercase hex>".
	ErrInvalidDigest = errors.New("invalid artifact digest")
	// ErrCorrupt means stored bytes no longer match their digest.
	ErrCorrupt = errors.New("artifact corrupt")
	// ErrInvalidPath means a tree holds a path that is not a clean relative path.
	ErrInvalidPath = errors.New("invalid artifact path")
	// ErrInvalidManifest means a digest names a blob that is not a valid manifest.
	ErrInvalidManifest = errors.New("invalid artifact manifest")
)

// Store keeps blobs and trees by digest. Every method is safe for concurrent
// use, and every put is idempotent: the same bytes always give the same digest.
type Store interface {
	// PutBlob stores data and returns its digest, "sha256:<hex>".
	PutBlob(ctx context.Context, data []byte) (digest string, err error)
	// GetBlob returns the blob's bytes after checking them against the digest;
	// it returns ErrNotFound, ErrInvalidDigest or ErrCorrupt.
	GetBlob(ctx context.Context, digest string) ([]byte, error)
	// PutTree stores every file and the tree's canonical manifest and returns the
	// manifest's digest; it returns ErrInvalidPath for an unsafe or duplicate path.
	PutTree(ctx context.Context, files []File) (digest string, err error)
	// GetManifest returns the manifest named by digest; it returns ErrNotFound,
	// ErrInvalidDigest, ErrCorrupt or ErrInvalidManifest.
	GetManifest(ctx context.Context, digest string) (Manifest, error)
	// GetTree returns the files of the tree named by digest, sorted by path.
	GetTree(ctx context.Context, digest string) ([]File, error)
}

const digestPrefix = "sha256:"

// DigestOf returns the digest a Store gives data.
func DigestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return digestPrefix + hex.EncodeToString(sum[:])
}

// ValidDigest reports whether digest is well formed: "sha256:" and 64 lowercase hex digits.
func ValidDigest(digest string) bool {
	h, ok := strings.CutPrefix(digest, digestPrefix)
	if !ok || len(h) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkDigest(digest string) error {
	if !ValidDigest(digest) {
		return fmt.Errorf("%w: %q", ErrInvalidDigest, digest)
	}
	return nil
}
