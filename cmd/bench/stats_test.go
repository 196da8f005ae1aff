package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSpread(t *testing.T) {
	for _, c := range []struct {
		in            []float64
		lo, med, hi   float64
		unchangedCopy []float64
	}{
		{nil, 0, 0, 0, nil},
		{[]float64{7}, 7, 7, 7, []float64{7}},
		{[]float64{9, 1, 5}, 1, 5, 9, []float64{9, 1, 5}},
		{[]float64{4, 1, 3, 2}, 1, 2.5, 4, []float64{4, 1, 3, 2}},
		{[]float64{2, 2, 8}, 2, 2, 8, []float64{2, 2, 8}},
	} {
		lo, med, hi := spread(c.in)
		if lo != c.lo || med != c.med || hi != c.hi {
			t.Errorf("spread(%v) = %v, %v, %v; want %v, %v, %v", c.in, lo, med, hi, c.lo, c.med, c.hi)
		}
		for i := range c.in { // the caller's order (the repetitions') is kept
			if c.in[i] != c.unchangedCopy[i] {
				t.Errorf("spread reordered its input: %v", c.in)
			}
		}
	}
}

func TestPassedEvery(t *testing.T) {
	for _, c := range []struct {
		passed []bool
		want   int
		ok     bool
	}{
		{[]bool{true, true, true}, 3, true},
		{[]bool{true, false, true}, 3, false}, // met in two runs of three is not met
		{[]bool{false, false, false}, 3, false},
		{[]bool{true, true}, 3, false}, // a repetition missing
		{nil, 3, false},
		{nil, 0, false}, // nothing measured never passes
		{[]bool{true}, 1, true},
	} {
		if got := passedEvery(c.passed, c.want); got != c.ok {
			t.Errorf("passedEvery(%v, %d) = %t, want %t", c.passed, c.want, got, c.ok)
		}
	}
}

func TestSummaryVerdicts(t *testing.T) {
	s := newSummary(3)
	for i, v := range []float64{12, 25, 9} {
		s.judged("p95", "ms", "< 20 ms", v, v < 20)
		s.judged("ratio", "x", ">= 0.90x", 1-float64(i)/100, true)
		s.info("p99", "ms", v*2)
	}
	s.once("idle RSS", "MB", "< 100 MB", 40, true)
	s.judged("partial", "ms", "< 1 ms", 0.5, true) // only one repetition of three
	rows := s.finish()
	want := map[string]struct {
		verdict          string
		lo, med, hi      float64
		values, expected int
	}{
		"p95":      {"FAIL", 9, 12, 25, 3, 3},
		"ratio":    {"PASS", 0.98, 0.99, 1, 3, 3},
		"p99":      {"-", 18, 24, 50, 3, 3},
		"idle RSS": {"PASS", 40, 40, 40, 1, 1},
		"partial":  {"FAIL", 0.5, 0.5, 0.5, 1, 3},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	if rows[0].Figure != "p95" || rows[3].Figure != "idle RSS" {
		t.Errorf("rows not in the order first added: %q ... %q", rows[0].Figure, rows[3].Figure)
	}
	for _, r := range rows {
		w := want[r.Figure]
		if r.Verdict != w.verdict || r.Min != w.lo || r.Median != w.med || r.Max != w.hi || len(r.Values) != w.values || r.Expected != w.expected {
			t.Errorf("%s: verdict %s min %v median %v max %v values %v expected %d; want %+v", r.Figure, r.Verdict, r.Min, r.Median, r.Max, r.Values, r.Expected, w)
		}
	}
	if got := rows[0].Values; got[0] != 12 || got[1] != 25 || got[2] != 9 {
		t.Errorf("values not in repetition order: %v", got)
	}

	var buf bytes.Buffer
	writeSummary(&buf, rows, 3)
	out := buf.String()
	for _, frag := range []string{"12.0 25.0! 9.00", "(1 of 3)", "FAIL", "PASS"} {
		if !strings.Contains(out, frag) {
			t.Errorf("summary table lacks %q:\n%s", frag, out)
		}
	}
}
