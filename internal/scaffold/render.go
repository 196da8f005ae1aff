package scaffold

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"runtime"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// slots bounds the renders running at once in this process.
var slots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// Render executes every scaffold file over data (see the package comment for
// the escaping per file type and the bounds) and returns the rendered files
// in the same order. A refused or failing file gives an *Error naming it;
// when ctx ends first, the context's error is returned as is.
func Render(ctx context.Context, files []File, data any, lim Limits) ([]File, error) {
	if len(files) > lim.MaxFiles {
		return nil, fileError("", ErrLimit, "%d files, over the limit of %d", len(files), lim.MaxFiles)
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-slots }()

	b := newBudget(ctx, lim)
	out := make([]File, 0, len(files))
	for _, f := range files {
		content, err := b.file(f, data)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, err
		}
		out = append(out, File{Path: f.Path, Content: content})
	}
	return out, nil
}

// file renders one scaffold file.
func (b *budget) file(f File, data any) ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, b.failure(f.Path, err)
	}
	k := kindOf(f.Path)
	if err := checkSource(f, k, b.lim); err != nil {
		return nil, err
	}
	w := &output{b: b}
	switch k {
	case kindVerbatim:
		if _, err := w.Write(f.Content); err != nil {
			return nil, b.failure(f.Path, err)
		}
	case kindText:
		t, err := texttemplate.New(f.Path).Option("missingkey=zero").Funcs(b.funcs()).Parse(string(f.Content))
		if err != nil {
			return nil, fileError(f.Path, ErrSyntax, "%s", trimTemplatePrefix(err))
		}
		if err := b.prepare(f.Path, t.Tree, len(t.Templates())); err != nil {
			return nil, err
		}
		if err := t.Execute(w, data); err != nil {
			return nil, b.failure(f.Path, err)
		}
	default:
		wrap := wrappers[k]
		t, err := htmltemplate.New(f.Path).Option("missingkey=zero").Funcs(b.funcs()).Parse(wrap.open + string(f.Content) + wrap.close)
		if err != nil {
			return nil, fileError(f.Path, ErrSyntax, "%s", trimTemplatePrefix(err))
		}
		if err := b.prepare(f.Path, t.Tree, len(t.Templates())); err != nil {
			return nil, err
		}
		if err := t.Execute(w, data); err != nil {
			return nil, b.failure(f.Path, err)
		}
		if err := checkEscaped(f.Path, k, t.Tree); err != nil {
			return nil, err
		}
		return unwrap(f.Path, w.buf.Bytes(), wrap)
	}
	return slices.Clip(w.buf.Bytes()), nil
}

// prepare checks a parsed file; templates counts the templates its source
// defines (itself included).
func (b *budget) prepare(p string, tree *parse.Tree, templates int) error {
	if templates > 1 {
		return fileError(p, ErrUnsafe, "{{define}} and {{block}} are not allowed in scaffold files")
	}
	if err := prepareTree(p, tree, b.lim); err != nil {
		return err
	}
	return nil
}

// failure classifies an execution error: a bound (ErrLimit), a value
// html/template cannot escape where it stands (ErrUnsafe), else ErrExec.
// The caller's context error passes through unwrapped by Render.
func (b *budget) failure(p string, err error) error {
	var escErr *htmltemplate.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, ErrLimit):
		inner := err
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.HasPrefix(e.Error(), ErrLimit.Error()) {
				inner = e
				break
			}
		}
		return &Error{Path: p, Err: fmt.Errorf("%w: %s%s", ErrLimit, linePrefix(p, err), strings.TrimPrefix(inner.Error(), ErrLimit.Error()+": "))}
	case errors.As(err, &escErr):
		return fileError(p, ErrUnsafe, "%s", stripTemplateName(p, trimTemplatePrefix(err)))
	default:
		return fileError(p, ErrExec, "%s", stripTemplateName(p, trimTemplatePrefix(err)))
	}
}

// linePrefix returns "line N: " from a text/template execution error's
// "template: <name>:N:C: …", or "".
func linePrefix(p string, err error) string {
	rest, ok := strings.CutPrefix(err.Error(), "template: "+p+":")
	if !ok {
		return ""
	}
	line, _, ok := strings.Cut(rest, ":")
	if _, convErr := strconv.Atoi(line); !ok || convErr != nil {
		return ""
	}
	return "line " + line + ": "
}

// stripTemplateName turns "<name>:3:5: executing "<name>" at <.x>: …" into
// "line 3:5: at <.x>: …"; the path is named by Error.
func stripTemplateName(p, msg string) string {
	rest, ok := strings.CutPrefix(msg, p+":")
	if !ok {
		return msg
	}
	rest = strings.Replace(rest, " executing "+strconv.Quote(p)+" at", " at", 1)
	return "line " + rest
}

// unwrap removes the element a JS or CSS file was rendered inside.
func unwrap(p string, out []byte, w wrapper) ([]byte, error) {
	body, ok := bytes.CutPrefix(out, []byte(w.open))
	if ok {
		body, ok = bytes.CutSuffix(body, []byte(w.close))
	}
	if !ok {
		return nil, fileError(p, ErrUnsafe, "its output left the %s element it is analysed in", w.open)
	}
	return slices.Clone(body), nil
}

// trimTemplatePrefix drops the "template: " and "html/template:" prefixes the
// template packages put on their errors; the path is named by Error.
func trimTemplatePrefix(err error) string {
	s := err.Error()
	for _, prefix := range []string{"html/template:", "template: "} {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix {
			s = s[len(prefix):]
		}
	}
	return s
}
