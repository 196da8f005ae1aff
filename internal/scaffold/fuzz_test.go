package scaffold_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/forgeai/platform/internal/scaffold"
)

var fuzzPaths = []string{"index.html", "app.js", "theme.css", "manifest.json", "notes.txt", "logo.svg"}

// FuzzRender renders arbitrary template sources over a configuration holding
// markup: the renderer must not panic, must refuse only with a *scaffold.Error
// wrapping one of its four kinds, must keep to its output limit, and no
// configured value may ever add an element or an attribute to a page.
func FuzzRender(f *testing.F) {
	for _, seed := range []struct {
		src, value string
		kind       uint8
	}{
		{`<p title="{{.Config.v}}">{{.Config.v}}</p>`, `"><xss-injected>`, 0},
		{`<a href="{{.Config.v}}" onclick="f({{.Config.v}})">x</a><script>var a = {{.Config.v}};</script>`, "javascript:alert(1)", 0},
		{`{{range $i, $e := .Config.list}}<li>{{$i}}: {{$e}}</li>{{end}}`, "x", 0},
		{"var a = {{.Config.v}}; var b = '{{.Config.v}}'; var c = `{{.Config.v}}`; var d = /{{.Config.v}}/;", `';alert(1)//`, 1},
		{`:root { --c: {{.Config.v}}; } p::before { content: "{{.Config.v}}" }`, `</style><script>`, 2},
		{`{"name": {{.Config.v}}, "s": "{{.Config.v}}"}`, "\u2028", 3},
		{`Hello {{.Config.v}} {{printf "%5d" 3}}`, "<b>", 4},
		{`<svg></svg>`, "", 5},
		{`{{range 1000000000000}}AAAA{{end}}`, "", 0},
		{`{{$x := "AA"}}{{range 40}}{{$x = printf "%s%s" $x $x}}{{end}}{{$x}}`, "", 0},
		{`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, "", 0},
		{`{{if .Config.v}}<p {{.Config.v}}>{{else}}<b>{{end}}`, "onclick", 0},
	} {
		f.Add(seed.src, seed.value, seed.kind)
	}
	lim := scaffold.DefaultLimits()
	lim.MaxIterations = 2_000
	lim.MaxFileBytes = 64 << 10
	lim.MaxTotalBytes = 64 << 10
	lim.MaxBuiltBytes = 256 << 10
	lim.Timeout = 2 * time.Second
	f.Fuzz(func(t *testing.T, src, value string, kind uint8) {
		p := fuzzPaths[int(kind)%len(fuzzPaths)]
		// The value carries markup an escaping failure would turn into an
		// element and an attribute the source cannot produce itself.
		injected := value + `<xss-injected xss-attr=1>" xss-attr="1' xss-attr='1`
		config := map[string]any{"v": injected, "list": []any{injected, 1.5, true, nil}, "n": 3}
		out, err := scaffold.Render(t.Context(), []scaffold.File{{Path: p, Content: []byte(src)}}, map[string]any{"Config": config}, lim)
		if err != nil {
			var se *scaffold.Error
			if !errors.As(err, &se) || se.Path != p {
				t.Fatalf("error %v (%T) does not name %s", err, err, p)
			}
			if !errors.Is(err, scaffold.ErrSyntax) && !errors.Is(err, scaffold.ErrLimit) &&
				!errors.Is(err, scaffold.ErrUnsafe) && !errors.Is(err, scaffold.ErrExec) {
				t.Fatalf("error %v wraps none of the scaffold error kinds", err)
			}
			return
		}
		if len(out) != 1 || int64(len(out[0].Content)) > lim.MaxFileBytes {
			t.Fatalf("%d files, %d bytes", len(out), len(out[0].Content))
		}
		if p != "index.html" || strings.Contains(strings.ToLower(src), "xss") {
			return
		}
		doc, err := html.Parse(strings.NewReader(string(out[0].Content)))
		if err != nil {
			return
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if n.Data == "xss-injected" {
					t.Fatalf("a configured value added an element:\nsource %q\noutput %q", src, out[0].Content)
				}
				for _, a := range n.Attr {
					if a.Key == "xss-attr" {
						t.Fatalf("a configured value added an attribute:\nsource %q\noutput %q", src, out[0].Content)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	})
}
