package api_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// fakeApprovals accepts every approval workflow start.
type fakeApprovals struct{}

func (fakeApprovals) StartApproval(context.Context, workflows.ApprovalInput) error { return nil }
func (fakeApprovals) Decide(context.Context, string, workflows.DecideRequest) (workflows.ApprovalState, error) {
	return workflows.ApprovalState{}, nil
}

// templateSubmission is a POST /api/templates body with one index.html (and
// app.js when js is set) and a schema whose appName defaults to appName.
func templateSubmission(name, appName, index, js string) map[string]any {
	scaffold := []map[string]string{{"path": "index.html", "content": index}}
	if js != "" {
		scaffold = append(scaffold, map[string]string{"path": "app.js", "content": js})
	}
	return map[string]any{
		"name": name, "industry": "healthcare", "compliance": []string{"HIPAA"},
		"description": "A board that lists the clinic's rooms and their status.",
		"configSchema": map[string]any{"type": "object", "properties": map[string]any{
			"appName": map[string]any{"type": "string", "default": appName, "maxLength": 200}}},
		"scaffold": scaffold,
	}
}

const pageHead = `<!doctype html><html><head><title>Board</title><script src="app.js" defer></script></head><body>`

// A submitted scaffold that would take unbounded memory or CPU to render is
// refused with 422 naming the file, within seconds, while the API keeps
// answering other requests.
func TestTemplateSubmitRefusesUnboundedScaffoldsQuickly(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true, approvals: fakeApprovals{}})
		tech := roleTokens(t, h)[models.RoleTechnicalUser]
		hostile := map[string]string{
			"range over a huge count":   pageHead + `{{range 1000000000000}}AAAA{{end}}</body></html>`,
			"range with no output":      pageHead + `{{range 1000000000000}}{{end}}</body></html>`,
			"range over a variable":     pageHead + `{{$n := 1000000000000}}{{range $n}}{{end}}</body></html>`,
			"nested ranges":             pageHead + `{{range 1000}}{{range 1000}}{{range 1000}}A{{end}}{{end}}{{end}}</body></html>`,
			"printf padding":            pageHead + `{{printf "%0999999999d" 1}}</body></html>`,
			"string doubling":           pageHead + `{{$x := "AAAAAAAA"}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}</body></html>`,
			"recursive template":        pageHead + `{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}</body></html>`,
			"ranges nested 20 deep":     pageHead + strings.Repeat(`{{range .Config.l}}<a href="{{.}}">`, 20) + strings.Repeat("</a>{{end}}", 20) + `</body></html>`,
			"output over the file size": pageHead + `{{range 100000}}{{$.Config.appName}}{{$.Config.appName}}{{end}}</body></html>`,
		}
		// Meanwhile a reader must keep getting answers.
		stop := make(chan struct{})
		var slowest time.Duration
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				if r := h.do("GET", "/api/templates?pageSize=1", "", nil); r.Status != 200 {
					t.Errorf("GET /api/templates: %d", r.Status)
				}
				slowest = max(slowest, time.Since(start))
				time.Sleep(20 * time.Millisecond)
			}
		}()
		i := 0
		for name, index := range hostile {
			i++
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			r := h.do("POST", "/api/templates", tech, templateSubmission(fmt.Sprintf("Hostile board %d", i), strings.Repeat("A", 100), index, ""))
			elapsed := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			r.expectField(t, 422, "scaffold.index.html")
			if elapsed > 5*time.Second {
				t.Errorf("%s: answered after %s", name, elapsed)
			}
			// Allocation sanity bound for the whole request (database work
			// included): the scaffold alone would need terabytes.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 512<<20 {
				t.Errorf("%s: the request allocated %d MiB", name, grew>>20)
			}
			t.Logf("%s: %d in %s, %d MiB allocated: %s", name, r.Status, elapsed.Round(time.Millisecond),
				(after.TotalAlloc-before.TotalAlloc)>>20, r.env(t).Error.Details[0].Message)
		}
		close(stop)
		wg.Wait()
		if slowest > 3*time.Second {
			t.Errorf("a GET took %s while hostile templates were submitted", slowest)
		}
		for n := 1; n <= i; n++ {
			if _, err := h.store.GetTemplate(t.Context(), fmt.Sprintf("hostile-board-%d", n), ""); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("hostile-board-%d: a refused template was stored (%v)", n, err)
			}
		}
	})
}

var hostileConfigValues = []string{
	`</script><script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
	`';alert(1)//`,
}

// A submitted template that places a raw {{.Config.appName}} in text, an
// attribute, a link and a script is accepted, and whatever appName a project
// later sets, the generated page and script carry it as data only.
func TestTemplateSubmitRawValuesAreEscapedInEveryApp(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true, approvals: fakeApprovals{}})
		tech := roleTokens(t, h)[models.RoleTechnicalUser]
		index := `<!doctype html><html><head><title>{{.Config.appName}}</title><script src="app.js" defer></script></head>
<body><h1 title="{{.Config.appName}}" class={{.Config.appName}}>{{.Config.appName}}</h1><a id="home" href="{{.Config.appName}}">home</a></body></html>`
		js := "const NAME = {{.Config.appName}};\nconst GREETING = 'Hello {{.Config.appName}}';\ndocument.title = NAME;\n"
		for i, v := range hostileConfigValues {
			// The schema's default is itself hostile: the submission renders it.
			var approval struct {
				SubjectID string `json:"subjectId"`
			}
			h.do("POST", "/api/templates", tech, templateSubmission(fmt.Sprintf("Raw board %d", i), v, index, js)).
				expect(t, 202).data(t, &approval)
			stored, err := h.store.TemplateByID(t.Context(), approval.SubjectID)
			if err != nil {
				t.Fatal(err)
			}
			files := make([]ai.File, len(stored.Scaffold.V))
			for j, f := range stored.Scaffold.V {
				files[j] = ai.File{Path: f.Path, Content: []byte(f.Content)}
			}
			// Every hostile value, in the app the worker would generate.
			for _, cfg := range hostileConfigValues {
				gen, err := ai.NewOffline().GenerateSource(t.Context(), ai.GenerateRequest{
					ProjectName: "P", ProjectSlug: "p", TemplateName: stored.Name, TemplateSlug: stored.Slug,
					Scaffold: files, Configuration: map[string]any{"appName": cfg},
				})
				if err != nil {
					t.Fatalf("generate with %q: %v", cfg, err)
				}
				for _, f := range gen.Files {
					switch f.Path {
					case "index.html":
						checkNoInjectedMarkup(t, string(f.Content))
					case "app.js":
						checkScriptKeepsValueInLiterals(t, string(f.Content))
					}
				}
			}
		}
	})
}

// checkNoInjectedMarkup parses the page: exactly the template's elements and
// attributes, one external script, no javascript: link.
func checkNoInjectedMarkup(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var elements []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			var keys []string
			for _, a := range n.Attr {
				keys = append(keys, a.Key)
				if a.Key == "href" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("link runs script: %s", page)
				}
			}
			slices.Sort(keys)
			elements = append(elements, n.Data+"("+strings.Join(keys, ",")+")")
			if n.Data == "script" && n.FirstChild != nil {
				t.Errorf("inline script %q in %s", n.FirstChild.Data, page)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	want := "html() head() title() script(defer,src) body() h1(class,title) a(href,id)"
	if got := strings.Join(elements, " "); got != want {
		t.Errorf("elements %s, want %s:\n%s", got, want, page)
	}
}

// checkScriptKeepsValueInLiterals: the two declarations keep their shape, the
// first value is a JSON string, the second stays inside its quotes.
func checkScriptKeepsValueInLiterals(t *testing.T, js string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(js), "\n")
	if len(lines) != 3 || lines[2] != "document.title = NAME;" {
		t.Fatalf("script lines changed: %q", js)
	}
	name, ok := strings.CutPrefix(lines[0], "const NAME = ")
	if !ok || !strings.HasPrefix(strings.TrimSpace(name), `"`) || !strings.HasSuffix(name, `";`) {
		t.Errorf("NAME is not a string literal: %s", lines[0])
	}
	greeting, ok := strings.CutPrefix(lines[1], "const GREETING = 'Hello ")
	if !ok || !strings.HasSuffix(greeting, "';") {
		t.Fatalf("GREETING changed shape: %s", lines[1])
	}
	if body := strings.TrimSuffix(greeting, "';"); strings.ContainsAny(body, `'"<>`+"\n") {
		t.Errorf("GREETING's value can leave its quotes: %s", lines[1])
	}
	if inner := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(name), `"`), `";`); strings.ContainsAny(strings.ReplaceAll(inner, `\"`, ""), `"<>`) {
		t.Errorf("NAME's value can leave its quotes: %s", lines[0])
	}
}
