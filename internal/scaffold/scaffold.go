// Package scaffold renders a template's scaffold files with a project's
// configuration, with contextual escaping and hard bounds on the work a
// (possibly user-submitted) template can make the platform do.
//
// Escaping, by file type (the extension, case-insensitive):
//
//   - .html, .htm: html/template, so every value is escaped for the context
//     it lands in (text, attribute, URL, <script>, <style>);
//   - .js, .mjs: html/template as the body of a <script> element, so a value
//     in code is JSON-encoded, and one inside a string, template literal or
//     regular expression is escaped for it; the file must not contain
//     "</script" (write "<\/script" in a string);
//   - .json, .map, .webmanifest: as .js (a value is JSON-encoded);
//   - .css: html/template as the body of a <style> element (values pass
//     the CSS value filter; unsafe ones render as ZgotmplZ); the file must
//     not contain "</style";
//   - .txt: text/template, verbatim (served as text/plain);
//   - anything else (.svg, images, fonts): copied as written, and a file
//     holding "{{" is refused.
//
// html/template drops comments of HTML, JavaScript and CSS from its output.
//
// Bounds (see Limits): the source size and number of actions per file, the
// parse tree's nodes and nesting depth, ranges nested at most four deep
// (html/template's analysis, which nothing can interrupt, doubles with each
// level), no {{define}}, {{block}} or
// {{template}}, integer ranges over a literal above the iteration budget are
// refused before running; while running, the loop iterations of all ranges,
// the bytes written per file and in all, the bytes built by printf, print,
// println, html, js and urlquery, printf widths, and the wall time.
// text/template cannot be interrupted from outside, so every range body and
// every bounded function checks the budget and the deadline itself. At most
// max(2, GOMAXPROCS) renders run at once in a process; the others wait (or
// give up when their context ends), so memory and CPU stay bounded under a
// burst of submissions.
package scaffold

import (
	"errors"
	"fmt"
	"time"
)

// File is one scaffold file (a template source) or one rendered file.
type File struct {
	Path    string
	Content []byte
}

// Limits bound one Render call. Zero values are not "unlimited": use
// DefaultLimits and change what you need.
type Limits struct {
	MaxFiles        int           // scaffold files per render
	MaxSourceBytes  int           // bytes of one scaffold file
	MaxActions      int           // "{{" occurrences in one scaffold file, checked before parsing
	MaxNodes        int           // parse tree nodes of one file
	MaxDepth        int           // nesting of if/range/with/else and parenthesised pipelines
	MaxRangeNesting int           // ranges inside ranges: html/template analyses a range body twice, so its work doubles per level
	MaxIterations   int64         // range iterations over the whole render
	MaxFileBytes    int64         // output bytes of one file
	MaxTotalBytes   int64         // output bytes of all files
	MaxBuiltBytes   int64         // bytes built by printf/print/println/html/js/urlquery over the whole render
	MaxFormatWidth  int           // largest width or precision in a printf format
	Timeout         time.Duration // wall time of the whole render
}

// DefaultLimits fit the built-in templates many times over and match the
// build step's file limits (1 MiB per file, 10 MiB in all).
func DefaultLimits() Limits {
	return Limits{
		MaxFiles:        200,
		MaxSourceBytes:  1 << 20,
		MaxActions:      10_000,
		MaxNodes:        50_000,
		MaxDepth:        32,
		MaxRangeNesting: 4,
		MaxIterations:   100_000,
		MaxFileBytes:    1 << 20,
		MaxTotalBytes:   10 << 20,
		MaxBuiltBytes:   32 << 20,
		MaxFormatWidth:  1000,
		Timeout:         5 * time.Second,
	}
}

var (
	// ErrSyntax: a file does not parse as a Go template.
	ErrSyntax = errors.New("template syntax error")
	// ErrLimit: a file or the render exceeds a bound (size, actions, nodes,
	// depth, iterations, time).
	ErrLimit = errors.New("scaffold limit exceeded")
	// ErrUnsafe: a file places a value where it cannot be escaped, or uses a
	// construct the renderer refuses ({{template}}, {{define}}, actions in a
	// file type that is copied as written).
	ErrUnsafe = errors.New("unsafe template")
	// ErrExec: executing a file failed (a wrong type, an index out of range).
	ErrExec = errors.New("template execution failed")
)

// Error names the scaffold file at fault ("" for the scaffold as a whole,
// such as too many files). Err wraps one of ErrSyntax,
// ErrLimit, ErrUnsafe or ErrExec.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}
func (e *Error) Unwrap() error { return e.Err }

func fileError(path string, kind error, format string, args ...any) *Error {
	return &Error{Path: path, Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}
