package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// The closing summary: every figure the bench judges or reports, one value
// per repetition, with min, median and max. A target passes only when it
// holds in every repetition: a figure met in one run out of several is not
// met.

// figureRow is one line of the summary.
type figureRow struct {
	Figure string    `json:"figure"`
	Unit   string    `json:"unit"`
	Target string    `json:"target,omitempty"` // empty: reported, not judged
	Values []float64 `json:"values"`           // one per repetition, in order
	Passed []bool    `json:"passed,omitempty"` // per repetition, when judged
	Min    float64   `json:"min"`
	Median float64   `json:"median"`
	Max    float64   `json:"max"`
	// Expected is how many repetitions the figure should have; fewer
	// (a section that did not finish) fails a judged figure.
	Expected int    `json:"expected"`
	Verdict  string `json:"verdict"` // PASS, FAIL or "-" (not judged)
}

// summary collects the rows in the order figures are first added.
type summary struct {
	reps int
	rows []*figureRow
	by   map[string]*figureRow
}

func newSummary(reps int) *summary { return &summary{reps: reps, by: map[string]*figureRow{}} }

func (s *summary) row(figure, unit, target string, expected int) *figureRow {
	r, ok := s.by[figure]
	if !ok {
		r = &figureRow{Figure: figure, Unit: unit, Target: target, Expected: expected}
		s.by[figure] = r
		s.rows = append(s.rows, r)
	}
	return r
}

// judged adds a repetition's value of a figure with a target, and whether
// that repetition met it.
func (s *summary) judged(figure, unit, target string, value float64, ok bool) {
	r := s.row(figure, unit, target, s.reps)
	r.Values = append(r.Values, value)
	r.Passed = append(r.Passed, ok)
}

// info adds a repetition's value of a figure reported without a target.
func (s *summary) info(figure, unit string, value float64) {
	r := s.row(figure, unit, "", s.reps)
	r.Values = append(r.Values, value)
}

// once adds a figure measured once per run (the api's idle RSS at start).
func (s *summary) once(figure, unit, target string, value float64, ok bool) {
	r := s.row(figure, unit, target, 1)
	r.Values = append(r.Values, value)
	if target != "" {
		r.Passed = append(r.Passed, ok)
	}
}

// finish computes the spread and the verdicts.
func (s *summary) finish() []figureRow {
	out := make([]figureRow, 0, len(s.rows))
	for _, r := range s.rows {
		r.Min, r.Median, r.Max = spread(r.Values)
		r.Verdict = "-"
		if r.Target != "" {
			r.Verdict = verdict(passedEvery(r.Passed, r.Expected))
		}
		out = append(out, *r)
	}
	return out
}

// spread returns the min, median and max of xs (the median of an even
// count is the mean of the middle two); zeros for none.
func spread(xs []float64) (lo, med, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[0], median(s), s[len(s)-1]
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// passedEvery: at least want repetitions, and every one passed.
func passedEvery(passed []bool, want int) bool {
	if len(passed) == 0 || len(passed) < want {
		return false
	}
	for _, ok := range passed {
		if !ok {
			return false
		}
	}
	return true
}

// writeSummary prints the table; a repetition that missed its target is
// marked with "!".
func writeSummary(w io.Writer, rows []figureRow, reps int) {
	fmt.Fprintf(w, "\nsummary over %d repetition(s): a target passes only when every repetition meets it (! marks a repetition that missed it)\n", reps)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\ttarget\tmin\tmedian\tmax\tper repetition\tverdict")
	for _, r := range rows {
		vals := make([]string, len(r.Values))
		for i, v := range r.Values {
			vals[i] = num(v)
			if i < len(r.Passed) && !r.Passed[i] {
				vals[i] += "!"
			}
		}
		target := r.Target
		if target == "" {
			target = "-"
		}
		per := strings.Join(vals, " ")
		if len(r.Values) < r.Expected {
			per += fmt.Sprintf(" (%d of %d)", len(r.Values), r.Expected)
		}
		fmt.Fprintf(tw, "%s (%s)\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Figure, r.Unit, target, num(r.Min), num(r.Median), num(r.Max), per, r.Verdict)
	}
	tw.Flush()
}

// num prints a figure with as many decimals as its size needs.
func num(v float64) string {
	switch a := max(v, -v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
