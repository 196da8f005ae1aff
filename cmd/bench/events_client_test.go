package main

import (
	"testing"
	"time"
)

func TestEventSeq(t *testing.T) {
	for _, c := range []struct {
		frame string
		seq   int64
		ok    bool
	}{
		{`{"type":"event","stream":"project:1","seq":42,"event":"bench.tick","data":{"seq":7},"at":"x"}`, 42, true},
		{`{"type":"event","stream":"project:1","seq":9007199254740993,"event":"e"}`, 9007199254740993, true},
		{`{"type":"subscribed","stream":"project:1","after":3}`, 0, false},
		{`{"type":"event","stream":"project:1"}`, 0, false},
		{`{"type":"event","stream":"project:1","seq":}`, 0, false},
	} {
		seq, ok := eventSeq([]byte(c.frame))
		if seq != c.seq || ok != c.ok {
			t.Errorf("eventSeq(%s) = %d, %v; want %d, %v", c.frame, seq, ok, c.seq, c.ok)
		}
	}
}

func TestSummarizeEventsCountsMissingPerClient(t *testing.T) {
	ms := time.Millisecond
	committed := map[seqKey]appended{
		{"a", 1}: {at: 0, took: ms}, {"a", 2}: {at: 10 * ms, took: ms},
		{"b", 1}: {at: 5 * ms, took: 2 * ms},
	}
	sockets := []*benchSocket{
		{stream: "a", got: []arrival{{1, 4 * ms}, {2, 14 * ms}}},
		{stream: "a", got: []arrival{{1, 6 * ms}, {1, 7 * ms}}}, // a duplicate does not make up for seq 2
		{stream: "b", got: []arrival{{0, ms}, {1, 8 * ms}}},     // seq 0 was not appended by the bench
	}
	r := summarizeEvents(options{wsClients: 3, eventRate: 1}, 2, 10, committed, sockets)
	if r.Events != 3 || r.Deliveries != 4 || r.Missing != 1 {
		t.Fatalf("events=%d deliveries=%d missing=%d; want 3, 4, 1", r.Events, r.Deliveries, r.Missing)
	}
	if r.MaxMs != 6 || r.AppendP95Ms != 2 {
		t.Fatalf("max=%v append p95=%v; want 6, 2", r.MaxMs, r.AppendP95Ms)
	}
	if r.latencyMet() {
		t.Fatal("a missing event must fail the latency target")
	}
}
