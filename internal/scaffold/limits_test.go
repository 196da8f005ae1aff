package scaffold_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/scaffold"
)

// Each hostile scaffold must be refused as over a limit (or unsafe), fast,
// without the render holding much memory.
func TestHostileScaffoldsHitALimitQuickly(t *testing.T) {
	config := map[string]any{"n": int64(1e12), "big": strings.Repeat("A", 100_000), "list": []any{1, 2, 3}}
	tests := []struct {
		name, path, src string
		kind            error
	}{
		{"range over a huge literal", "index.html", `{{range 1000000000000}}AAAA{{end}}`, scaffold.ErrLimit},
		{"range over a huge literal with no output", "index.html", `{{range 1000000000000}}{{end}}`, scaffold.ErrLimit},
		{"range over a huge float literal", "app.js", `{{range 1e12}}{{end}}`, scaffold.ErrLimit},
		{"range over a huge configured count", "index.html", `{{range .Config.n}}{{end}}`, scaffold.ErrLimit},
		{"range over a variable", "notes.txt", `{{$n := 1000000000000}}{{range $n}}{{end}}`, scaffold.ErrLimit},
		{"nested ranges", "index.html", `{{range 1000}}{{range 1000}}{{range 1000}}{{end}}{{end}}{{end}}`, scaffold.ErrLimit},
		{"output bomb", "notes.txt", `{{range 100000}}{{$.Config.big}}{{end}}`, scaffold.ErrLimit},
		{"escaped output bomb", "index.html", `{{range 100000}}<p title="{{$.Config.big}}">{{$.Config.big}}</p>{{end}}`, scaffold.ErrLimit},
		{"printf width", "index.html", `{{printf "%01000000000d" 1}}`, scaffold.ErrLimit},
		{"printf width in an assignment", "index.html", `{{$x := printf "%0999999d" 1}}`, scaffold.ErrLimit},
		{"printf width from an argument", "index.html", `{{printf "%*d" 1000000000 1}}`, scaffold.ErrLimit},
		{"string doubling", "index.html", `{{$x := "AAAAAAAA"}}{{range 60}}{{$x = printf "%s%s" $x $x}}{{end}}`, scaffold.ErrLimit},
		{"escaper growth", "index.html", `{{$x := "<<<<<<<<"}}{{range 60}}{{$x = js $x}}{{end}}`, scaffold.ErrLimit},
		{"many values kept in variables", "notes.txt",
			`{{range 10000}}{{$a := print $.Config.big}}{{$b := print $.Config.big}}{{end}}`, scaffold.ErrLimit},
		{"deep nesting", "index.html", strings.Repeat("{{if 1}}", 40) + strings.Repeat("{{end}}", 40), scaffold.ErrLimit},
		{"deep parentheses", "index.html", "{{" + strings.Repeat("(", 40) + "1" + strings.Repeat(")", 40) + "}}", scaffold.ErrLimit},
		{"too many actions", "index.html", strings.Repeat("{{1}}", 10_001), scaffold.ErrLimit},
		{"source too large", "notes.txt", strings.Repeat("A", 1<<20+1), scaffold.ErrLimit},
		{"recursive template", "index.html", `{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`, scaffold.ErrUnsafe},
		{"block", "index.html", `{{block "a" .}}x{{end}}`, scaffold.ErrUnsafe},
		{"template call", "index.html", `{{template "index.html" .}}`, scaffold.ErrUnsafe},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := scaffold.Render(t.Context(), []scaffold.File{{Path: tc.path, Content: []byte(tc.src)}},
				map[string]any{"Config": config}, scaffold.DefaultLimits())
			elapsed := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			wantRefused(t, err, tc.path, tc.kind)
			if elapsed > 3*time.Second {
				t.Errorf("took %s", elapsed)
			}
			// TotalAlloc counts every byte allocated during the render,
			// freed or not: a sanity bound, far above the limits' sum.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
				t.Errorf("allocated %d MiB", grew>>20)
			}
			t.Logf("%v in %s", err, elapsed.Round(time.Millisecond))
		})
	}
}

func TestTotalOutputIsBounded(t *testing.T) {
	files := make([]scaffold.File, 11)
	for i := range files {
		files[i] = scaffold.File{Path: "f" + string(rune('a'+i)) + ".txt", Content: []byte(`{{range 10}}{{$.Config.big}}{{end}}`)}
	}
	_, err := scaffold.Render(t.Context(), files, map[string]any{"Config": map[string]any{"big": strings.Repeat("A", 100_000)}}, scaffold.DefaultLimits())
	if !errors.Is(err, scaffold.ErrLimit) || !strings.Contains(err.Error(), "all files") {
		t.Fatalf("err = %v, want the total output limit", err)
	}
	many := make([]scaffold.File, 201)
	for i := range many {
		many[i] = scaffold.File{Path: "x.txt"}
	}
	if _, err := scaffold.Render(t.Context(), many, nil, scaffold.DefaultLimits()); !errors.Is(err, scaffold.ErrLimit) {
		t.Fatalf("201 files: err = %v", err)
	}
}

func TestWallTimeIsBounded(t *testing.T) {
	lim := scaffold.DefaultLimits()
	lim.MaxIterations = 1 << 62 // only the clock stops it
	lim.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := scaffold.Render(t.Context(), []scaffold.File{{Path: "index.html", Content: []byte(`{{range .n}}{{end}}`)}},
		map[string]any{"n": 1 << 40}, lim)
	if !errors.Is(err, scaffold.ErrLimit) || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err = %v, want the time limit", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("stopped after %s", elapsed)
	}
}

func TestCancellationIsNotAScaffoldError(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	lim := scaffold.DefaultLimits()
	lim.MaxIterations = 1 << 62
	_, err := scaffold.Render(ctx, []scaffold.File{{Path: "index.html", Content: []byte(`{{range .n}}{{end}}`)}}, map[string]any{"n": 1 << 40}, lim)
	var se *scaffold.Error
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &se) {
		t.Fatalf("err = %v, want the context's own error", err)
	}
}

func TestOrdinaryTemplatesStayWithinTheLimits(t *testing.T) {
	src := `<ul>{{range $i, $f := .Config.fields}}<li data-i="{{$i}}">{{printf "%-12s|%5.2f" $f.name $f.w}}{{if $f.on}} on{{else}} off{{end}}</li>{{end}}</ul>`
	fields := make([]any, 500)
	for i := range fields {
		fields[i] = map[string]any{"name": "field", "w": float64(i) / 3, "on": i%2 == 0}
	}
	out := renderOne(t, "index.html", src, map[string]any{"fields": fields})
	if n := strings.Count(out, "<li "); n != 500 {
		t.Errorf("%d items rendered, want 500", n)
	}
	if !strings.Contains(out, `<li data-i="3">field       | 1.00 off</li>`) {
		t.Errorf("unexpected output: %.300s", out)
	}
}

// html/template analyses a range body twice, so each nested range doubles
// the (uninterruptible) escaping work: nesting is bounded before it runs.
func TestNestedRangesAreBoundedBeforeEscaping(t *testing.T) {
	src := strings.Repeat(`{{range .l}}<a href="{{.}}">`, 20) + strings.Repeat("</a>{{end}}", 20)
	start := time.Now()
	_, err := scaffold.Render(t.Context(), []scaffold.File{{Path: "index.html", Content: []byte(src)}}, map[string]any{"l": []any{}}, scaffold.DefaultLimits())
	wantRefused(t, err, "index.html", scaffold.ErrLimit)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %s", elapsed)
	}
	ok := strings.Repeat(`{{range .l}}<a href="{{.}}">`, 4) + strings.Repeat("</a>{{end}}", 4)
	renderOne(t, "index.html", ok, map[string]any{"l": []any{}})
}
