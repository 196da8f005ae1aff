package build

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// An app must stay inside its own tree: every URL it references in HTML
// attributes, CSS and JavaScript module specifiers is resolved against the
// referencing file's place in the tree, and refused when it
//
//   - is protocol-relative (//host/…), which names another host;
//   - climbs above the app's root with .. segments (../other-app/x.js), also
//     when the dots or slashes are percent-encoded or written as \;
//   - is an absolute path (/x/y.js) that names no file of this app: under
//     the path-based addresses of earlier versions that was another app.
//
// URLs with a scheme (https:, mailto:, data:…) are left to the other checks
// (remote scripts, javascript: URLs). Each app is served on an origin of its
// own, which is what keeps apps apart in the browser; these checks refuse,
// before anything is published, code that reaches for another app's files,
// whether a scaffold or the AI provider wrote it.

// urlListAttrs hold several URLs: "a.png 1x, b.png 2x".
var urlListAttrs = map[string]bool{"srcset": true, "imagesrcset": true}

// refAttrs are the attributes read as one URL, on any element; "data" only
// on <object>, where it loads a resource (elsewhere it is no URL).
var refAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true, "poster": true,
	"cite": true, "background": true, "manifest": true, "longdesc": true,
}

var (
	// cssURL matches url(…) and @import "…" in style sheets.
	cssURL    = regexp.MustCompile(`(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)`)
	cssImport = regexp.MustCompile(`(?i)@import\s+(?:"([^"]*)"|'([^']*)')`)
	// jsSpecifier matches module specifiers: import … from "x", import "x",
	// export … from "x", import("x"), importScripts("x"), new Worker("x").
	jsSpecifier = regexp.MustCompile(`(?:\bfrom|\bimport|\bimportScripts\s*\(|\bimport\s*\(|\bWorker\s*\()\s*(?:"([^"\n]*)"|'([^'\n]*)'|` + "`([^`\\n]*)`" + `)`)
	// metaRefreshURL is the target of <meta http-equiv="refresh" content="5; url=…">.
	metaRefreshURL = regexp.MustCompile(`(?i)^\s*\d*[^;,]*[;,]\s*url\s*=\s*['"]?([^'"]*)`)
)

// refChecker checks the references of one tree.
type refChecker struct {
	files map[string]bool // every path in the tree
}

func newRefChecker(files []File) refChecker {
	c := refChecker{files: make(map[string]bool, len(files))}
	for _, f := range files {
		c.files[f.Path] = true
	}
	return c
}

// tagRefs checks the URL attributes of one HTML (or SVG) tag in the file at from.
func (c refChecker) tagRefs(from string, tok html.Token) []string {
	var problems []string
	var httpEquiv, content string
	for _, attr := range tok.Attr {
		key := strings.ToLower(attr.Key)
		switch {
		case refAttrs[key] || (key == "data" && tok.Data == "object"):
			if p := c.ref(from, attr.Val); p != "" {
				problems = append(problems, fmt.Sprintf("<%s %s=%q> %s", tok.Data, key, attr.Val, p))
			}
		case urlListAttrs[key]:
			for _, cand := range strings.Split(attr.Val, ",") {
				u, _, _ := strings.Cut(strings.TrimSpace(cand), " ")
				if p := c.ref(from, u); p != "" {
					problems = append(problems, fmt.Sprintf("<%s %s> URL %q %s", tok.Data, key, u, p))
				}
			}
		case key == "style":
			problems = append(problems, c.cssRefs(from, attr.Val, fmt.Sprintf("<%s style>", tok.Data))...)
		case key == "http-equiv":
			httpEquiv = strings.ToLower(strings.TrimSpace(attr.Val))
		case key == "content":
			content = attr.Val
		}
	}
	if tok.Data == "meta" && httpEquiv == "refresh" {
		if m := metaRefreshURL.FindStringSubmatch(content); m != nil {
			if p := c.ref(from, m[1]); p != "" {
				problems = append(problems, fmt.Sprintf("<meta http-equiv=refresh> URL %q %s", m[1], p))
			}
		}
	}
	return problems
}

// cssRefs checks url(…) and @import in a style sheet (or a style attribute
// or <style> element, named by where).
func (c refChecker) cssRefs(from, css, where string) []string {
	var problems []string
	for _, re := range []*regexp.Regexp{cssURL, cssImport} {
		for _, m := range re.FindAllStringSubmatch(css, -1) {
			u := firstNonEmpty(m[1:]...)
			if p := c.ref(from, u); p != "" {
				problems = append(problems, fmt.Sprintf("%s URL %q %s", where, u, p))
			}
		}
	}
	return problems
}

// jsRefs checks a script's module specifiers. Bare specifiers ("react")
// cannot load in a browser without an import map, which the CSP refuses.
func (c refChecker) jsRefs(from string, js []byte) []string {
	var problems []string
	for _, m := range jsSpecifier.FindAllSubmatch(js, -1) {
		u := firstNonEmpty(string(m[1]), string(m[2]), string(m[3]))
		if !strings.HasPrefix(u, ".") && !strings.HasPrefix(u, "/") && !strings.HasPrefix(u, `\`) {
			continue // a bare name, or a string that is no module path
		}
		if p := c.ref(from, u); p != "" {
			problems = append(problems, fmt.Sprintf("script module %q %s", u, p))
		}
	}
	return problems
}

// ref checks one URL referenced by the file at from; "" means it stays in
// the app. The URL is read as a browser reads it: surrounding whitespace
// dropped, tabs and newlines removed, \ as /, percent-encoding decoded.
func (c refChecker) ref(from, raw string) string {
	u := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, strings.TrimSpace(raw))
	switch {
	case u == "" || strings.HasPrefix(u, "#") || strings.HasPrefix(u, "?"):
		return ""
	case strings.HasPrefix(u, "//"):
		return "is protocol-relative: it names another host, not a file of this app"
	case hasScheme.MatchString(strings.ToLower(u)):
		return "" // https:, mailto:, data:…: the scheme checks apply
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	p, err := url.PathUnescape(u)
	if err != nil {
		return "is not a valid URL (bad percent-encoding)"
	}
	p = strings.ReplaceAll(p, `\`, "/")
	absolute := strings.HasPrefix(p, "/")
	var dir string
	if !absolute {
		dir = path.Dir(from)
	}
	target, ok := resolveInTree(dir, p)
	switch {
	case !ok:
		return "leaves the app's folder (.. above its root): an app may only reference its own files"
	case absolute && !c.exists(target, strings.HasSuffix(p, "/")):
		return "is an absolute path that names no file of this app: use a relative URL to one of its own files"
	}
	return ""
}

// exists reports whether target (a cleaned tree path, "" for the root) is a
// file of the tree or a folder with an index.html.
func (c refChecker) exists(target string, dirOnly bool) bool {
	if target == "" {
		return c.files["index.html"]
	}
	if !dirOnly && c.files[target] {
		return true
	}
	return c.files[target+"/index.html"]
}

// resolveInTree applies ref's segments to the folder dir ("." or "" for the
// root); false when a .. climbs above the root.
func resolveInTree(dir, ref string) (string, bool) {
	var stack []string
	if dir != "." && dir != "" {
		stack = strings.Split(dir, "/")
	}
	for _, seg := range strings.Split(ref, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(stack) == 0 {
				return "", false
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, seg)
		}
	}
	return strings.Join(stack, "/"), true
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// styleElementRefs checks the text of <style> elements: the tokenizer gives
// it as one text token after the start tag.
func (c refChecker) styleElementRefs(from string, z *html.Tokenizer) []string {
	if z.Next() != html.TextToken {
		return nil
	}
	return c.cssRefs(from, string(bytes.Clone(z.Text())), "<style>")
}
