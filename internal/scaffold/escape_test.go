package scaffold_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/forgeai/platform/internal/scaffold"
)

// Hostile configuration values: each tries to leave the context it is
// placed in (element, attribute, URL, script string, template literal).
var hostileValues = []string{
	`</script><script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
	`';alert(1)//`,
	"${alert(1)}`",
	`</style><script>alert(1)</script>`,
	"\u2028alert(1)\u2029",
}

// A submitted template's author writes a raw {{.Config.appName}} everywhere:
// text, quoted and unquoted attributes, URLs, an event handler, a style
// attribute, a <style> element and every JavaScript context of a <script>.
const rawHTML = `<!doctype html><html><head><title>{{.Config.appName}}</title>
<style>p { color: {{.Config.appName}}; } q::before { content: "{{.Config.appName}}"; }</style></head>
<body><h1 class="{{.Config.appName}}" title={{.Config.appName}}>{{.Config.appName}}</h1>
<a id="link" href="{{.Config.appName}}">a</a><a id="unquoted" href={{.Config.appName}}>b</a>
<img id="img" src="/img/{{.Config.appName}}.png" alt='{{.Config.appName}}'>
<button id="btn" onclick="go({{.Config.appName}}, '{{.Config.appName}}')" style="color: {{.Config.appName}}">c</button>
<textarea>{{.Config.appName}}</textarea>
<script>var A = {{.Config.appName}}; var B = "{{.Config.appName}}"; var C = '{{.Config.appName}}'; var D = ` + "`{{.Config.appName}}`" + `; var E = /{{.Config.appName}}/;</script>
</body></html>`

// The same placements in a .js file (rendered as a <script> body).
const rawJS = "var A = {{.Config.appName}};\nvar B = \"{{.Config.appName}}\";\nvar C = '{{.Config.appName}}';\n" +
	"var D = `{{.Config.appName}}`;\nvar E = /{{.Config.appName}}/;\nvar F = `x${A}{{.Config.appName}}`;\n// {{.Config.appName}}\n"

func renderOne(t *testing.T, path, src string, config map[string]any) string {
	t.Helper()
	out, err := scaffold.Render(t.Context(), []scaffold.File{{Path: path, Content: []byte(src)}},
		map[string]any{"Config": config}, scaffold.DefaultLimits())
	if err != nil {
		t.Fatalf("render %s: %v", path, err)
	}
	return string(out[0].Content)
}

// shape is what an injection would change in a page: the elements, their
// attribute names, the text of scripts and styles with the value taken out.
func shape(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			keys := make([]string, len(n.Attr))
			for i, a := range n.Attr {
				keys[i] = a.Key
				low := strings.ToLower(strings.TrimSpace(a.Val))
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(low, "javascript:") {
					t.Errorf("<%s %s=%q> runs script", n.Data, a.Key, a.Val)
				}
			}
			out = append(out, n.Data+"["+strings.Join(keys, ",")+"]")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func TestRawValuesInASubmittedPageAreEscapedForTheirContext(t *testing.T) {
	benign := renderOne(t, "index.html", rawHTML, map[string]any{"appName": "Benign"})
	want := shape(t, benign)
	for _, v := range hostileValues {
		t.Run(v, func(t *testing.T) {
			page := renderOne(t, "index.html", rawHTML, map[string]any{"appName": v})
			if got := shape(t, page); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("the value changed the page's elements:\n got %v\nwant %v\n%s", got, want, page)
			}
			for _, bad := range []string{"<script>alert", "<img src=x"} {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q:\n%s", bad, page)
				}
			}
			doc, _ := html.Parse(strings.NewReader(page))
			scripts := textOf(doc, "script")
			if len(scripts) != 1 {
				t.Fatalf("%d scripts, want 1", len(scripts))
			}
			checkJSLiterals(t, scripts[0], v)
		})
	}
}

func TestRawValuesInASubmittedScriptAreEscapedForTheirContext(t *testing.T) {
	for _, v := range hostileValues {
		t.Run(v, func(t *testing.T) {
			js := renderOne(t, "app.js", rawJS, map[string]any{"appName": v})
			checkJSLiterals(t, js, v)
			if strings.Contains(js, "// ") {
				t.Errorf("a comment survived (html/template drops them): %s", js)
			}
		})
	}
}

func TestJSONFilesGetJSONValues(t *testing.T) {
	for _, v := range hostileValues {
		out := renderOne(t, "manifest.json", `{"name": {{.Config.appName}}, "short": "{{.Config.appName}}", "n": {{.Config.n}}}`,
			map[string]any{"appName": v, "n": 3})
		var got struct {
			Name, Short string
			N           int
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%q: output is not JSON: %v\n%s", v, err, out)
		}
		if got.Name != v || got.Short != v || got.N != 3 {
			t.Errorf("%q: decoded %+v", v, got)
		}
	}
}

func TestStylesheetValuesAreFiltered(t *testing.T) {
	for _, v := range hostileValues {
		css := renderOne(t, "theme.css", `:root { --primary: {{.Config.c}}; } p::before { content: "{{.Config.c}}"; } b { background: url("{{.Config.c}}") }`,
			map[string]any{"c": v})
		if strings.ContainsAny(strings.ReplaceAll(css, `\`, ""), "<>") || strings.Contains(css, "javascript:") {
			t.Errorf("%q reaches the stylesheet unfiltered: %s", v, css)
		}
	}
	if css := renderOne(t, "theme.css", `:root { --primary: {{.Config.c}}; }`, map[string]any{"c": "#0F766E"}); css != `:root { --primary: #0F766E; }` {
		t.Errorf("a colour renders as %q", css)
	}
}

func TestTextFilesAreVerbatimAndOtherTypesTakeNoActions(t *testing.T) {
	if got := renderOne(t, "notes.txt", "Name: {{.Config.appName}}", map[string]any{"appName": "<b>x</b>"}); got != "Name: <b>x</b>" {
		t.Errorf(".txt renders %q", got)
	}
	if got := renderOne(t, "logo.svg", `<svg xmlns="http://www.w3.org/2000/svg"><?x?></svg>`, nil); got != `<svg xmlns="http://www.w3.org/2000/svg"><?x?></svg>` {
		t.Errorf(".svg is not copied as written: %q", got)
	}
	_, err := scaffold.Render(t.Context(), []scaffold.File{{Path: "logo.svg", Content: []byte(`<svg><text>{{.Config.appName}}</text></svg>`)}}, nil, scaffold.DefaultLimits())
	wantRefused(t, err, "logo.svg", scaffold.ErrUnsafe)
}

func TestPlacementsThatCannotBeEscapedAreRefused(t *testing.T) {
	for _, tc := range []struct{ name, path, src string }{
		{"script end tag in a .js file", "app.js", `var s = "</script>"; var a = {{.Config.appName}};`},
		{"style end tag in a .css file", "a.css", `/* </style> */ p { color: {{.Config.c}} }`},
		{"html escaper in an unquoted attribute", "index.html", `<p title={{html .Config.appName}}>x</p>`},
		// A browser reads a tag name up to whitespace: a value after `<a!=` would be part of the name and the
		// rest of it attributes, while html/template escapes it as an attribute value (found by FuzzRender).
		{"a value inside an odd tag name", "index.html", `<A!="{{.Config.appName}}">`},
		{"an odd end tag name", "index.html", `<p>x</p!{{.Config.appName}}>`},
		{"ambiguous URL", "index.html", `<a href="{{if .Config.x}}/a?{{else}}/b{{end}}{{.Config.y}}">x</a>`},
		{"unterminated attribute", "index.html", `<p title="{{.Config.appName}}>x</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scaffold.Render(t.Context(), []scaffold.File{{Path: tc.path, Content: []byte(tc.src)}},
				map[string]any{"Config": map[string]any{"appName": "x", "c": "red", "x": true, "y": "q", "attr": "onclick"}}, scaffold.DefaultLimits())
			wantRefused(t, err, tc.path, scaffold.ErrUnsafe)
		})
	}
}

func TestAValueCannotNameAnEventHandler(t *testing.T) {
	page := renderOne(t, "index.html", `<p {{.Config.attr}}="alert(1)">y</p>`, map[string]any{"attr": "onclick"})
	if strings.Contains(page, "onclick") {
		t.Errorf("a value named an event handler attribute: %s", page)
	}
}

func wantRefused(t *testing.T, err error, path string, kind error) {
	t.Helper()
	var se *scaffold.Error
	if !errors.As(err, &se) || se.Path != path || !errors.Is(err, kind) {
		t.Fatalf("err = %v, want a %v naming %s", err, kind, path)
	}
}

func textOf(n *html.Node, tag string) []string {
	var out []string
	if n.Type == html.ElementNode && n.Data == tag {
		var b bytes.Buffer
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(c.Data)
		}
		out = append(out, b.String())
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, textOf(c, tag)...)
	}
	return out
}

// checkJSLiterals reads the script rendered from rawJS's placements
// (var A = value; var B = "…"; …) and checks that each value stayed inside
// its literal: nothing between the delimiters could end it, and a value in
// code is a JSON string that decodes back to v.
func checkJSLiterals(t *testing.T, js, v string) {
	t.Helper()
	for _, decl := range []struct {
		name, open, close, enders string
	}{
		{"A", "", "", ""},
		{"B", `"`, `"`, "\"\n\r\u2028\u2029<"},
		{"C", `'`, `'`, "'\n\r\u2028\u2029<"},
		{"D", "`", "`", "`$<"},
		{"E", "/", "/", "/\n\r\u2028\u2029<[("},
	} {
		start := strings.Index(js, "var "+decl.name+" = ")
		if start < 0 {
			t.Fatalf("no var %s in %s", decl.name, js)
		}
		rest := strings.TrimLeft(js[start+len("var "+decl.name+" = "):], " ")
		var end int
		if decl.name == "A" {
			end = literalEnd(rest, `"`, `"`)
		} else {
			end = literalEnd(rest, decl.open, decl.close)
		}
		if end < 0 {
			t.Fatalf("var %s: literal does not end in %q", decl.name, rest)
		}
		lit := strings.TrimSpace(rest[:end])
		if decl.name == "A" {
			var got string
			if err := json.Unmarshal([]byte(lit), &got); err != nil || got != v {
				t.Errorf("var A = %s: not the JSON encoding of the value (%v)", lit, err)
			}
			if strings.ContainsAny(lit, "<>\u2028\u2029") {
				t.Errorf("var A = %s: holds raw < > or line separators", lit)
			}
			continue
		}
		body := lit[len(decl.open) : len(lit)-len(decl.close)]
		for i := 0; i < len(body); i++ {
			if body[i] == '\\' {
				i++
				continue
			}
			if strings.ContainsRune(decl.enders, rune(body[i])) || strings.ContainsAny(body[i:min(i+3, len(body))], "\u2028\u2029") {
				t.Errorf("var %s = %s: %q could end the literal", decl.name, lit, body[i:])
				break
			}
		}
		if !strings.HasPrefix(strings.TrimLeft(rest[end:], " "), ";") {
			t.Errorf("var %s: literal followed by %q, want ;", decl.name, rest[end:min(end+20, len(rest))])
		}
	}
}

// literalEnd returns the index just past the literal starting at s[0]
// (open), skipping escapes, or -1.
func literalEnd(s, open, close string) int {
	if !strings.HasPrefix(s, open) {
		return -1
	}
	for i := len(open); i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++
		case strings.HasPrefix(s[i:], close):
			return i + len(close)
		}
	}
	return -1
}
