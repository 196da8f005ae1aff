package build_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/build"
)

const page = "<!doctype html><html><head><title>T</title><script src=\"app.js\"></script></head><body><p>hi</p></body></html>"

func tree(extra ...build.File) []build.File {
	return append([]build.File{{Path: "index.html", Content: []byte(page)}, {Path: "app.js", Content: []byte("console.log(1)")}}, extra...)
}

func TestValidateNamesTheFileAtFault(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 2<<20)
	tests := []struct {
		name   string
		files  []build.File
		path   string
		reason string
	}{
		{"traversal", tree(build.File{Path: "../evil.js", Content: []byte("x")}), "../evil.js", ".."},
		{"absolute", tree(build.File{Path: "/etc/passwd.txt", Content: []byte("x")}), "/etc/passwd.txt", "relative"},
		{"backslash", tree(build.File{Path: `a\b.js`, Content: []byte("x")}), `a\b.js`, "forward slashes"},
		{"hidden", tree(build.File{Path: ".env.txt", Content: []byte("x")}), ".env.txt", "hidden"},
		{"type", tree(build.File{Path: "run.sh", Content: []byte("x")}), "run.sh", "not allowed"},
		{"unclean", tree(build.File{Path: "a//b.js", Content: []byte("x")}), "a//b.js", "not clean"},
		{"duplicate", tree(build.File{Path: "APP.js", Content: []byte("x")}), "APP.js", "more than once"},
		{"too big", tree(build.File{Path: "big.txt", Content: big}), "big.txt", "over the limit"},
		{"not utf8", tree(build.File{Path: "x.css", Content: []byte{0xff, 0xfe}}), "x.css", "UTF-8"},
		{"bad json", tree(build.File{Path: "d.json", Content: []byte("{")}), "d.json", "JSON"},
		{"svg script", tree(build.File{Path: "i.svg", Content: []byte("<svg><script>x</script></svg>")}), "i.svg", "scripts"},
		{"remote script", []build.File{{Path: "index.html", Content: []byte(strings.Replace(page, `src="app.js"`, `src="https://cdn.example.com/x.js"`, 1))}}, "index.html", "remote script https://cdn.example.com/x.js"},
		{"inline handler", []build.File{{Path: "index.html", Content: []byte(strings.Replace(page, "<p>", `<p onclick="x()">`, 1))}}, "index.html", "onclick"},
		{"javascript url", []build.File{{Path: "index.html", Content: []byte(strings.Replace(page, "<p>", `<a href="javascript:x()">`, 1))}}, "index.html", "javascript:"},
		{"no title", []build.File{{Path: "index.html", Content: []byte("<!doctype html><html><body></body></html>")}}, "index.html", "title"},
		{"not html", []build.File{{Path: "index.html", Content: []byte("just text")}}, "index.html", "not an HTML document"},
		{"no index", []build.File{{Path: "app.js", Content: []byte("x")}}, "index.html", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := build.Validate(tc.files, build.DefaultLimits())
			var verr *build.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a ValidationError", err)
			}
			for _, fe := range verr.Errors {
				if fe.Path == tc.path && strings.Contains(fe.Reason, tc.reason) {
					return
				}
			}
			t.Fatalf("no error for %s containing %q: %v", tc.path, tc.reason, err)
		})
	}
	if err := build.Validate(tree(), build.DefaultLimits()); err != nil {
		t.Fatalf("valid tree rejected: %v", err)
	}
	lim := build.DefaultLimits()
	lim.AllowRemoteScripts = true
	remote := []build.File{{Path: "index.html", Content: []byte(strings.Replace(page, `src="app.js"`, `src="https://cdn.example.com/x.js"`, 1))}}
	if err := build.Validate(remote, lim); err != nil {
		t.Fatalf("remote script refused although allowed: %v", err)
	}
}

func TestBundleIsDeterministic(t *testing.T) {
	a := []build.File{
		{Path: "index.html", Content: []byte("\xEF\xBB\xBF" + strings.ReplaceAll(page, "><", ">\r\n<"))},
		{Path: "app.js", Content: []byte("console.log(1)\r\n")},
		{Path: "logo.png", Content: []byte{0x89, 'P', 'N', 'G', '\r', '\n'}},
	}
	b := []build.File{a[2], a[0], a[1]}
	before := bytes.Clone(a[0].Content)
	outA, err := build.Bundle(a, build.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	outB, err := build.Bundle(b, build.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for i := range outA {
		if outA[i].Path != outB[i].Path || !bytes.Equal(outA[i].Content, outB[i].Content) {
			t.Fatalf("bundles differ at %s", outA[i].Path)
		}
	}
	if outA[0].Path != "app.js" || string(outA[0].Content) != "console.log(1)\n" {
		t.Fatalf("not sorted or not normalised: %q %q", outA[0].Path, outA[0].Content)
	}
	if idx := outA[1].Content; bytes.Contains(idx, []byte("\r\n")) || bytes.HasPrefix(idx, []byte("\xEF\xBB\xBF")) {
		t.Fatal("text not normalised")
	}
	if !bytes.Equal(outA[2].Content, a[2].Content) {
		t.Fatal("binary file changed")
	}
	if !bytes.Equal(a[0].Content, before) {
		t.Fatal("input mutated")
	}
}
