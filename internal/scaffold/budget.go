package scaffold

import (
	"bytes"
	"context"
	"fmt"
	"text/template"
	"time"
)

// budget is the state of one Render call: what it may still spend. Every
// range iteration, bounded function and write checks it, which is what makes
// an execution stop: text/template cannot be interrupted from outside.
type budget struct {
	ctx        context.Context
	lim        Limits
	deadline   time.Time
	iterations int64
	built      int64
	written    int64 // output bytes of every file so far
}

func newBudget(ctx context.Context, lim Limits) *budget {
	return &budget{ctx: ctx, lim: lim, deadline: time.Now().Add(lim.Timeout)}
}

// check fails once the caller's context ended (its error, as is) or the
// render ran out of time (ErrLimit).
func (b *budget) check() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if time.Now().After(b.deadline) {
		return fmt.Errorf("%w: rendering took longer than %s", ErrLimit, b.lim.Timeout)
	}
	return nil
}

// tick runs at the top of every range body.
func (b *budget) tick() (string, error) {
	b.iterations++
	if b.iterations > b.lim.MaxIterations {
		return "", fmt.Errorf("%w: more than %d range iterations", ErrLimit, b.lim.MaxIterations)
	}
	return "", b.check()
}

// spend accounts for a string a function built.
func (b *budget) spend(s string) (string, error) {
	if int64(len(s)) > b.lim.MaxFileBytes {
		return "", fmt.Errorf("%w: a value of %d bytes, over the limit of %d", ErrLimit, len(s), b.lim.MaxFileBytes)
	}
	b.built += int64(len(s))
	if b.built > b.lim.MaxBuiltBytes {
		return "", fmt.Errorf("%w: functions built more than %d bytes", ErrLimit, b.lim.MaxBuiltBytes)
	}
	if err := b.check(); err != nil {
		return "", err
	}
	return s, nil
}

// funcs replaces the builtins that build strings with bounded ones (same
// results), and adds the range tick.
func (b *budget) funcs() map[string]any {
	return map[string]any{
		tickFunc: b.tick,
		"printf": func(format string, args ...any) (string, error) {
			if err := checkFormat(format, b.lim.MaxFormatWidth); err != nil {
				return "", err
			}
			return b.spend(fmt.Sprintf(format, args...))
		},
		"print":    func(args ...any) (string, error) { return b.spend(fmt.Sprint(args...)) },
		"println":  func(args ...any) (string, error) { return b.spend(fmt.Sprintln(args...)) },
		"html":     func(args ...any) (string, error) { return b.spend(template.HTMLEscaper(args...)) },
		"js":       func(args ...any) (string, error) { return b.spend(template.JSEscaper(args...)) },
		"urlquery": func(args ...any) (string, error) { return b.spend(template.URLQueryEscaper(args...)) },
	}
}

// checkFormat refuses printf formats whose width or precision (or argument
// index) exceeds max, and * (a width taken from the arguments): fmt would
// build the padded string before any limit could see it.
func checkFormat(format string, max int) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		for i++; i < len(format); i++ {
			ch := format[i]
			if ch == '*' {
				return fmt.Errorf("%w: printf widths from arguments (*) are not allowed", ErrLimit)
			}
			if ch >= '0' && ch <= '9' {
				n := 0
				for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
					n = n*10 + int(format[i]-'0')
					if n > max {
						return fmt.Errorf("%w: printf width or precision over %d", ErrLimit, max)
					}
				}
				i--
				continue
			}
			if ch == '+' || ch == '-' || ch == '#' || ch == ' ' || ch == '.' || ch == '[' || ch == ']' {
				continue
			}
			break // the verb
		}
	}
	return nil
}

// output collects one file's output within the per-file and total limits.
type output struct {
	b   *budget
	buf bytes.Buffer
}

func (w *output) Write(p []byte) (int, error) {
	if err := w.b.check(); err != nil {
		return 0, err
	}
	if n := int64(w.buf.Len() + len(p)); n > w.b.lim.MaxFileBytes {
		return 0, fmt.Errorf("%w: output over %d bytes", ErrLimit, w.b.lim.MaxFileBytes)
	}
	if w.b.written+int64(len(p)) > w.b.lim.MaxTotalBytes {
		return 0, fmt.Errorf("%w: output of all files over %d bytes", ErrLimit, w.b.lim.MaxTotalBytes)
	}
	w.b.written += int64(len(p))
	return w.buf.Write(p)
}
