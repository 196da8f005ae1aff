package scaffold

import (
	"path"
	"strings"
)

// kind is how a file is rendered, chosen by its extension.
type kind int

const (
	kindVerbatim kind = iota // copied as written; actions refused
	kindText                 // text/template, no escaping
	kindHTML                 // html/template
	kindJS                   // html/template inside <script>
	kindCSS                  // html/template inside <style>
)

var kindByExt = map[string]kind{
	".html":        kindHTML,
	".htm":         kindHTML,
	".js":          kindJS,
	".mjs":         kindJS,
	".json":        kindJS,
	".map":         kindJS,
	".webmanifest": kindJS,
	".css":         kindCSS,
	".txt":         kindText,
}

func kindOf(p string) kind {
	return kindByExt[strings.ToLower(path.Ext(p))] // kindVerbatim when absent
}

// wrapper is the element a JS or CSS file is rendered inside, so that
// html/template analyses it in that language. closer must not appear in the
// file: it would end the element and the analysis would leave the language.
type wrapper struct{ open, close, closer string }

var wrappers = map[kind]wrapper{
	kindJS:  {open: "<script>", close: "</script>", closer: "</script"},
	kindCSS: {open: "<style>", close: "</style>", closer: "</style"},
}

// escapersFor lists, per wrapped kind, the escapers html/template may add to
// an action for its output to be safe in that file's language. An action
// with any other escaper sits outside the language (the file left the
// element), and the file is refused.
var escapersFor = map[kind]map[string]bool{
	kindJS: {
		"_html_template_jsvalescaper":     true, // expression: JSON
		"_html_template_jsstrescaper":     true, // '…' or "…"
		"_html_template_jstmpllitescaper": true, // `…`
		"_html_template_jsregexpescaper":  true, // /…/
		"_html_template_commentescaper":   true, // in a comment: dropped
	},
	kindCSS: {
		"_html_template_cssvaluefilter": true, // a value
		"_html_template_cssescaper":     true, // '…' or "…"
		"_html_template_urlfilter":      true, // url(…)
		"_html_template_urlnormalizer":  true,
		"_html_template_urlescaper":     true,
		"urlquery":                      true, // {{urlquery …}} kept in place of the URL escaper
		"_html_template_commentescaper": true,
	},
}
