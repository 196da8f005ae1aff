package main

import (
	"slices"
	"testing"
)

// Each cycle sends every kind once, senders agree on a cycle's order, and
// over many cycles every kind takes every position about as often.
func TestCycleOrderIsAFairPermutation(t *testing.T) {
	const kinds, cycles = 5, 5000
	var seen [kinds][kinds]int
	for c := uint64(0); c < cycles; c++ {
		order := cycleOrder(c, kinds)
		if !slices.Equal(order, cycleOrder(c, kinds)) {
			t.Fatalf("cycle %d: two calls gave %v and %v", c, order, cycleOrder(c, kinds))
		}
		sorted := slices.Sorted(slices.Values(order))
		if !slices.Equal(sorted, []int{0, 1, 2, 3, 4}) {
			t.Fatalf("cycle %d: %v is not a permutation of the kinds", c, order)
		}
		for pos, k := range order {
			seen[k][pos]++
		}
	}
	for k := range seen {
		for pos, n := range seen[k] {
			if n < cycles/kinds*8/10 || n > cycles/kinds*12/10 {
				t.Errorf("kind %d at position %d in %d of %d cycles, want about %d", k, pos, n, cycles, cycles/kinds)
			}
		}
	}
}

// A write kind's consecutive requests never touch the same row; each
// template sees PUT and DELETE alternately, so every request changes it.
func TestWriteTargetRotatesTemplates(t *testing.T) {
	tpls := []string{"a", "b", "c", "d"}
	last := map[string]string{}
	prev := ""
	for cycle := uint64(0); cycle < 40; cycle++ {
		id, method := writeTarget(tpls, cycle)
		if id == prev {
			t.Fatalf("cycle %d: %s again right after itself", cycle, id)
		}
		m, known := last[id]
		if known && m == method {
			t.Fatalf("cycle %d: %s %s twice in a row on that template", cycle, method, id)
		}
		if !known && method != "PUT" {
			t.Fatalf("cycle %d: first request on %s is %s, want PUT", cycle, id, method)
		}
		last[id], prev = method, id
	}
}
