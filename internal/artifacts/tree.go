package artifacts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
)

// blobStore is the part of a Store that trees are built on, so any blob
// backend (the filesystem, S3) shares one manifest encoding.
type blobStore interface {
	PutBlob(ctx context.Context, data []byte) (string, error)
	GetBlob(ctx context.Context, digest string) ([]byte, error)
}

// putTree stores the files (up to parallel at once) and then the manifest,
// so a manifest never names a blob that is not stored.
func putTree(ctx context.Context, s blobStore, files []File, parallel int) (string, error) {
	manifest, err := encodeManifest(files)
	if err != nil {
		return "", err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for _, f := range files {
		g.Go(func() error {
			if _, err := s.PutBlob(gctx, f.Content); err != nil {
				return fmt.Errorf("put tree file %q: %w", f.Path, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return "", err
	}
	d, err := s.PutBlob(ctx, manifest)
	if err != nil {
		return "", fmt.Errorf("put manifest: %w", err)
	}
	return d, nil
}

// TreeDigest returns the digest PutTree gives files, without storing
// anything; it returns ErrInvalidPath as PutTree does.
func TreeDigest(files []File) (string, error) {
	manifest, err := encodeManifest(files)
	if err != nil {
		return "", err
	}
	return DigestOf(manifest), nil
}

// encodeManifest is the canonical manifest of files: their entries sorted
// by path, as JSON.
func encodeManifest(files []File) ([]byte, error) {
	if err := checkPaths(files); err != nil {
		return nil, err
	}
	m := Manifest{Files: make([]Entry, len(files))}
	for i, f := range files {
		m.Files[i] = Entry{Path: f.Path, Digest: DigestOf(f.Content), Size: int64(len(f.Content)), ContentType: ContentTypeOf(f.Path)}
	}
	slices.SortFunc(m.Files, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return data, nil
}

func getManifest(ctx context.Context, s blobStore, digest string) (Manifest, error) {
	data, err := s.GetBlob(ctx, digest)
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.Files == nil {
		return Manifest{}, fmt.Errorf("%w: %s", ErrInvalidManifest, digest)
	}
	for i, e := range m.Files {
		if checkPath(e.Path) != nil || !ValidDigest(e.Digest) || e.Size < 0 ||
			(i > 0 && m.Files[i-1].Path >= e.Path) {
			return Manifest{}, fmt.Errorf("%w: %s: bad entry %q", ErrInvalidManifest, digest, e.Path)
		}
	}
	return m, nil
}

// getTree reads the manifest and then its files, up to parallel at once.
func getTree(ctx context.Context, s blobStore, digest string, parallel int) ([]File, error) {
	m, err := getManifest(ctx, s, digest)
	if err != nil {
		return nil, err
	}
	files := make([]File, len(m.Files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, e := range m.Files {
		g.Go(func() error {
			data, err := s.GetBlob(gctx, e.Digest)
			if err != nil {
				return fmt.Errorf("tree %s file %q: %w", digest, e.Path, err)
			}
			files[i] = File{Path: e.Path, Content: data}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return files, nil
}

func checkPaths(files []File) error {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if err := checkPath(f.Path); err != nil {
			return err
		}
		if seen[f.Path] {
			return fmt.Errorf("%w: %q: duplicate", ErrInvalidPath, f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

// checkPath accepts only clean relative slash-separated UTF-8 paths, the
// form the apps host looks up after cleaning a request path.
func checkPath(p string) error {
	reason := ""
	switch {
	case p == "":
		reason = "empty"
	case strings.HasPrefix(p, "/"):
		reason = "absolute"
	case strings.Contains(p, `\`):
		reason = "backslash"
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		reason = "control character"
	case !utf8.ValidString(p):
		// The manifest is JSON, which would store U+FFFD instead: the
		// tree would come back under another path, or not at all.
		reason = "not UTF-8"
	}
	for _, seg := range strings.Split(p, "/") {
		if reason != "" {
			break
		}
		switch seg {
		case "":
			reason = "empty segment"
		case ".", "..":
			reason = "dot segment"
		}
	}
	if reason != "" {
		return fmt.Errorf("%w: %q: %s", ErrInvalidPath, p, reason)
	}
	return nil
}
