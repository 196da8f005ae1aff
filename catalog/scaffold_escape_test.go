package catalog_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/scaffold"
)

// hostileConfigValues each try to break out of where a scaffold places a
// configured string: an element, a quoted attribute, a URL, a script string.
var hostileConfigValues = []string{
	`</script><script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
	`';alert(1)//`,
	`</style><script>alert(1)</script>`,
	"${alert(1)}`",
}

// Every built-in template, with a hostile value in every string field its
// schema lets hold it (names, labels, options, messages, …), renders pages
// with exactly the elements and attributes it renders for a harmless value,
// no javascript: link, scripts whose code (outside string literals) is
// unchanged, and stylesheets with no markup.
func TestEveryBuiltInTemplateEscapesHostileConfiguration(t *testing.T) {
	for _, tpl := range loadCatalog(t) {
		s, err := catalog.CompileSchema(tpl.Schema)
		if err != nil {
			t.Fatalf("%s: CompileSchema: %v", tpl.Slug, err)
		}
		defaults := s.ApplyDefaults(nil)
		for _, v := range hostileConfigValues {
			t.Run(tpl.Slug+"/"+v, func(t *testing.T) {
				hostile, benign, fields := substituteStrings(s, defaults, v)
				if len(fields) == 0 {
					t.Fatalf("no string field accepts %q", v)
				}
				bad := renderTemplate(t, tpl, hostile)
				good := renderTemplate(t, tpl, benign)
				for path, out := range bad {
					switch {
					case strings.HasSuffix(path, ".html"):
						if got, want := pageShape(t, out), pageShape(t, good[path]); got != want {
							t.Errorf("%s: %q in %v changed the page:\n got %s\nwant %s", path, v, fields, got, want)
						}
					case strings.HasSuffix(path, ".js"):
						if got, want := codeOutsideStrings(out), codeOutsideStrings(good[path]); got != want {
							t.Errorf("%s: %q in %v changed the script's code:\n%s", path, v, fields, firstDifference(got, want))
						}
					case strings.HasSuffix(path, ".css"):
						if strings.ContainsAny(out, "<>") {
							t.Errorf("%s: markup in the stylesheet", path)
						}
					}
				}
			})
		}
	}
}

// substituteStrings puts v into every string leaf of config the schema
// accepts it in (one at a time, keeping each that still validates), and a
// harmless value into the same leaves of a second copy.
func substituteStrings(s *catalog.Schema, config map[string]any, v string) (hostile, benign map[string]any, fields []string) {
	hostile = deepCopy(config).(map[string]any)
	leaves := stringLeaves(config, nil)
	slices.SortFunc(leaves, func(a, b []string) int { return strings.Compare(strings.Join(a, "."), strings.Join(b, ".")) })
	for _, leaf := range leaves {
		old := get(hostile, leaf)
		set(hostile, leaf, v)
		if s.Validate(hostile) != nil {
			set(hostile, leaf, old)
			continue
		}
		fields = append(fields, strings.Join(leaf, "."))
	}
	benign = deepCopy(config).(map[string]any)
	for _, f := range fields {
		set(benign, strings.Split(f, "."), "Harmless value")
	}
	return hostile, benign, fields
}

func renderTemplate(t *testing.T, tpl catalog.Template, config map[string]any) map[string]string {
	t.Helper()
	files := make([]scaffold.File, len(tpl.Scaffold))
	for i, f := range tpl.Scaffold {
		files[i] = scaffold.File{Path: f.Path, Content: f.Content}
	}
	data := map[string]any{"Config": config, "Template": map[string]any{"Name": tpl.Name, "Slug": tpl.Slug}}
	out, err := scaffold.Render(t.Context(), files, data, scaffold.DefaultLimits())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	m := make(map[string]string, len(out))
	for _, f := range out {
		m[f.Path] = string(f.Content)
	}
	return m
}

// pageShape lists the elements with their attribute names, and fails the
// test on a javascript: URL or inline script text.
func pageShape(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			b.WriteString(n.Data + "(")
			for _, a := range n.Attr {
				b.WriteString(a.Key + " ")
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") &&
					strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
			b.WriteString(") ")
			if n.Data == "script" && n.FirstChild != nil && strings.TrimSpace(n.FirstChild.Data) != "" {
				t.Errorf("inline script: %q", n.FirstChild.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}

// codeOutsideStrings blanks the contents of string and template literals
// ("…", '…', `…`), so two renderings compare equal when values changed only
// inside literals.
func codeOutsideStrings(js string) string {
	var b strings.Builder
	for i := 0; i < len(js); i++ {
		c := js[i]
		b.WriteByte(c)
		if c != '"' && c != '\'' && c != '`' {
			continue
		}
		for i++; i < len(js) && js[i] != c; i++ {
			if js[i] == '\\' {
				i++
			}
		}
		if i < len(js) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func firstDifference(got, want string) string {
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("got  …%s…\nwant …%s…", got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}

func stringLeaves(v any, at []string) [][]string {
	var out [][]string
	switch v := v.(type) {
	case string:
		out = append(out, append([]string(nil), at...))
	case map[string]any:
		for k, child := range v {
			out = append(out, stringLeaves(child, append(at, k))...)
		}
	case []any:
		for i, child := range v {
			out = append(out, stringLeaves(child, append(at, strconv.Itoa(i)))...)
		}
	}
	return out
}

func get(v any, at []string) any {
	for _, k := range at {
		switch c := v.(type) {
		case map[string]any:
			v = c[k]
		case []any:
			i, _ := strconv.Atoi(k)
			v = c[i]
		}
	}
	return v
}

func set(root map[string]any, at []string, value any) {
	parent := get(root, at[:len(at)-1])
	switch c := parent.(type) {
	case map[string]any:
		c[at[len(at)-1]] = value
	case []any:
		i, _ := strconv.Atoi(at[len(at)-1])
		c[i] = value
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, c := range v {
			out[k] = deepCopy(c)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, c := range v {
			out[i] = deepCopy(c)
		}
		return out
	}
	return v
}
