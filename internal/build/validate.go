// Package build validates a generated source tree and bundles it
// deterministically: the same source always gives byte-identical output.
package build

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPathChars bounds a file's path, in characters.
const maxPathChars = 200

// File is one file of a source tree or bundle.
type File struct {
	Path    string
	Content []byte
}

// Limits bound what a build accepts.
type Limits struct {
	MaxFiles           int
	MaxFileBytes       int64
	MaxTotalBytes      int64
	AllowRemoteScripts bool
}

// DefaultLimits: 200 files, 1 MiB per file, 10 MiB in all, no remote scripts.
func DefaultLimits() Limits {
	return Limits{MaxFiles: 200, MaxFileBytes: 1 << 20, MaxTotalBytes: 10 << 20}
}

// FileError names the file at fault and why.
type FileError struct{ Path, Reason string }

func (e FileError) Error() string { return e.Path + ": " + e.Reason }

// ValidationError lists every problem found, sorted by path.
type ValidationError struct{ Errors []FileError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

var allowedExt = map[string]bool{
	".html": true, ".css": true, ".js": true, ".json": true, ".svg": true, ".png": true, ".jpg": true,
	".jpeg": true, ".gif": true, ".webp": true, ".ico": true, ".txt": true, ".map": true, ".woff2": true,
}

var textExt = map[string]bool{".html": true, ".css": true, ".js": true, ".json": true, ".svg": true, ".txt": true, ".map": true}

func isText(p string) bool { return textExt[strings.ToLower(path.Ext(p))] }

// Validate checks paths, types, sizes and content, and that every file
// references only files of this app (refs.go); nil means buildable. Scaffolds
// (template submissions) and generated code (the deployment's build step,
// whatever the AI provider wrote) go through the same checks.
func Validate(files []File, lim Limits) error {
	var errs []FileError
	add := func(p, format string, args ...any) { errs = append(errs, FileError{p, fmt.Sprintf(format, args...)}) }
	if len(files) == 0 {
		add("(tree)", "is empty: an app needs at least an index.html")
	}
	if lim.MaxFiles > 0 && len(files) > lim.MaxFiles {
		add("(tree)", "%d files exceed the limit of %d", len(files), lim.MaxFiles)
	}
	seen := map[string]bool{}
	refs := newRefChecker(files)
	var total int64
	hasIndex := false
	for _, f := range files {
		if reason := pathProblem(f.Path); reason != "" {
			add(f.Path, "%s", reason)
			continue
		}
		if low := strings.ToLower(f.Path); seen[low] {
			add(f.Path, "appears more than once")
			continue
		} else {
			seen[low] = true
		}
		hasIndex = hasIndex || f.Path == "index.html"
		size := int64(len(f.Content))
		total += size
		if lim.MaxFileBytes > 0 && size > lim.MaxFileBytes {
			add(f.Path, "is %d bytes, over the limit of %d", size, lim.MaxFileBytes)
			continue
		}
		if isText(f.Path) && !utf8.Valid(f.Content) {
			add(f.Path, "is not valid UTF-8 text")
			continue
		}
		for _, reason := range contentProblems(f, lim, refs) {
			add(f.Path, "%s", reason)
		}
	}
	if len(files) > 0 && !hasIndex {
		add("index.html", "is missing: every app needs an index.html at its root")
	}
	if lim.MaxTotalBytes > 0 && total > lim.MaxTotalBytes {
		add("(tree)", "%d bytes in all exceed the limit of %d", total, lim.MaxTotalBytes)
	}
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	return &ValidationError{Errors: errs}
}

func pathProblem(p string) string {
	switch {
	case p == "":
		return "has an empty path"
	case !utf8.ValidString(p):
		return "path is not valid UTF-8"
	case utf8.RuneCountInString(p) > maxPathChars:
		return fmt.Sprintf("path is longer than %d characters", maxPathChars)
	case strings.HasPrefix(p, "/"):
		return "path must be relative"
	case strings.Contains(p, `\`):
		return "path must use forward slashes"
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return "path contains NUL or control characters"
	case slices.Contains(strings.Split(p, "/"), ".."):
		return "path must not leave the app folder (..)"
	case path.Clean(p) != p:
		return "path is not clean (no ./, // or trailing /)"
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return "hidden files and folders are not allowed"
		}
	}
	if ext := strings.ToLower(path.Ext(p)); !allowedExt[ext] {
		return fmt.Sprintf("file type %q is not allowed", ext)
	}
	return ""
}
