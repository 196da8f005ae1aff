package build

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// cspNote explains why inline script is refused: it would be dead code.
const cspNote = "the apps host's Content-Security-Policy forbids inline script"

// urlAttrs are the attributes whose javascript: URL would run code.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true}

// hasScheme matches an absolute URL's scheme (http:, data:, blob:…).
var hasScheme = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`)

// contentProblems checks a file's content by type; the file's size and
// encoding were checked before.
func contentProblems(f File, lim Limits, refs refChecker) []string {
	switch strings.ToLower(path.Ext(f.Path)) {
	case ".html":
		return htmlProblems(f, lim, refs)
	case ".css":
		return refs.cssRefs(f.Path, string(f.Content), "style sheet")
	case ".js":
		return refs.jsRefs(f.Path, f.Content)
	case ".json", ".map":
		// Bundle drops a BOM, so a BOM alone must not fail the build.
		if !json.Valid(bytes.TrimPrefix(f.Content, utf8BOM)) {
			return []string{"is not valid JSON"}
		}
	case ".svg":
		if bytes.Contains(bytes.ToLower(f.Content), []byte("<script")) {
			return []string{"SVG images must not contain scripts"}
		}
		return svgProblems(f, refs)
	}
	return nil
}

// svgProblems checks the references of an SVG image's elements and styles.
func svgProblems(f File, refs refChecker) []string {
	var problems []string
	z := html.NewTokenizer(bytes.NewReader(f.Content))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return problems
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			problems = append(problems, refs.tagRefs(f.Path, tok)...)
			if tok.Data == "style" {
				problems = append(problems, refs.styleElementRefs(f.Path, z)...)
			}
		}
	}
}

// htmlProblems tokenizes the page and reports what is not an HTML document,
// what could load foreign code, and what the apps host's CSP would break.
func htmlProblems(f File, lim Limits, refs refChecker) []string {
	var problems []string
	z := html.NewTokenizer(bytes.NewReader(f.Content))
	hasHTML, hasTitle := false, false
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return append(problems, "does not parse as HTML: "+err.Error())
			}
			if !hasHTML {
				problems = append(problems, "is not an HTML document (no <!doctype html> or <html>)")
			}
			if !hasTitle {
				problems = append(problems, "has no <title>")
			}
			return problems
		case html.DoctypeToken:
			hasHTML = hasHTML || strings.EqualFold(strings.TrimSpace(z.Token().Data), "html")
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "html":
				hasHTML = true
			case "title":
				hasTitle = true
			}
			problems = append(problems, tagProblems(tok, lim)...)
			problems = append(problems, refs.tagRefs(f.Path, tok)...)
			if tok.Data == "style" {
				problems = append(problems, refs.styleElementRefs(f.Path, z)...)
			}
			if tok.Data == "script" && tt == html.StartTagToken && inlineScript(tok, z) {
				problems = append(problems, "inline <script> is not allowed (put the code in a .js file): "+cspNote)
			}
		}
	}
}

// inlineScript reports whether the <script> tok just read holds code a
// browser would run (no src, a JavaScript, module or import map type) and
// reads its content from z. Data blocks (application/json, ld+json…) run
// nothing and pass.
func inlineScript(tok html.Token, z *html.Tokenizer) bool {
	typ := ""
	for _, a := range tok.Attr {
		switch strings.ToLower(a.Key) {
		case "src":
			return false
		case "type":
			typ, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(a.Val)), ";")
			typ = strings.TrimSpace(typ)
		}
	}
	if !scriptTypes[typ] && !strings.HasPrefix(typ, "text/javascript") {
		return false
	}
	return z.Next() == html.TextToken && strings.TrimSpace(string(z.Text())) != ""
}

// scriptTypes are the <script type> values a browser runs (HTML's
// JavaScript MIME type essences, module, importmap, speculationrules; none).
var scriptTypes = map[string]bool{
	"": true, "module": true, "importmap": true, "speculationrules": true,
	"application/ecmascript": true, "application/javascript": true, "application/x-ecmascript": true, "application/x-javascript": true,
	"text/ecmascript": true, "text/jscript": true, "text/livescript": true, "text/x-ecmascript": true, "text/x-javascript": true,
}

func tagProblems(tok html.Token, lim Limits) []string {
	var problems []string
	for _, attr := range tok.Attr {
		key := strings.ToLower(attr.Key) // the tokenizer keeps prefixes: "xlink:href"
		url := normaliseURL(attr.Val)
		switch {
		case strings.HasPrefix(key, "on"):
			problems = append(problems, fmt.Sprintf("inline event handler %s= on <%s> is not allowed: %s", key, tok.Data, cspNote))
		case urlAttrs[key] && strings.HasPrefix(url, "javascript:"):
			problems = append(problems, fmt.Sprintf("javascript: URL in <%s %s> is not allowed: %s", tok.Data, key, cspNote))
		case tok.Data == "script" && key == "src" && !lim.AllowRemoteScripts && isAbsolute(url):
			problems = append(problems, fmt.Sprintf("remote script %s is not allowed", strings.TrimSpace(attr.Val)))
		}
	}
	return problems
}

// normaliseURL reads a URL attribute the way a browser does before looking
// at its scheme: ASCII whitespace and control characters are dropped (so
// "java\tscript:" is javascript:), case is folded and \ counts as /.
func normaliseURL(raw string) string {
	cleaned := strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		if r == '\\' {
			return '/'
		}
		return r
	}, raw)
	return strings.ToLower(cleaned)
}

// isAbsolute reports whether a normalised URL leaves the app's own origin
// or embeds its code: any scheme (http:, https:, data:, javascript:…) or a
// protocol-relative //host.
func isAbsolute(url string) bool {
	return strings.HasPrefix(url, "//") || hasScheme.MatchString(url)
}
