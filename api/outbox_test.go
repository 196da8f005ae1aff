package api

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestOutboxKeepsOrderGrowsOnDemandAndRefusesPastMax(t *testing.T) {
	o := newOutbox(10)
	if o.ring != nil {
		t.Fatal("a new outbox must hold no slots")
	}
	taken := 0
	offered := 0
	// Interleave offers and takes so that the ring wraps before it grows.
	for round := range 3 {
		for range 3 + round {
			if !o.offer([]byte(fmt.Sprint(offered))) {
				t.Fatalf("offer %d refused below max", offered)
			}
			offered++
		}
		for range 2 {
			b, ok := o.next()
			if !ok || string(b) != fmt.Sprint(taken) {
				t.Fatalf("next = %q, %v; want %d", b, ok, taken)
			}
			taken++
		}
	}
	for offered-taken < 10 {
		if !o.offer([]byte(fmt.Sprint(offered))) {
			t.Fatalf("offer %d refused with %d queued", offered, offered-taken)
		}
		offered++
	}
	if o.offer([]byte("over")) {
		t.Fatal("an offer past max must be refused")
	}
	if len(o.ring) != 10 {
		t.Fatalf("ring has %d slots; want max (10)", len(o.ring))
	}
	for ; taken < offered; taken++ {
		b, ok := o.next()
		if !ok || string(b) != fmt.Sprint(taken) {
			t.Fatalf("next = %q, %v; want %d", b, ok, taken)
		}
	}
	if _, ok := o.next(); ok {
		t.Fatal("next on an empty outbox must report none")
	}
}

func TestOutboxReadyTokenIsNeverLost(t *testing.T) {
	o := newOutbox(4)
	done := make(chan []string)
	go func() { // the writer's way: a token, then take until empty
		var got []string
		for len(got) < 100 {
			<-o.ready
			for {
				b, ok := o.next()
				if !ok {
					break
				}
				got = append(got, string(b))
			}
		}
		done <- got
	}()
	for i := 0; i < 100; {
		if o.offer([]byte(fmt.Sprint(i))) {
			i++
		} else {
			time.Sleep(time.Millisecond)
		}
	}
	select {
	case got := <-done:
		for i, s := range got {
			if s != fmt.Sprint(i) {
				t.Fatalf("frame %d is %q", i, s)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the writer missed a wake-up")
	}
}

func TestOutboxWaitRoomReleasesAtHalf(t *testing.T) {
	o := newOutbox(4)
	for range 4 {
		o.offer([]byte("x"))
	}
	released := make(chan bool)
	go func() { released <- o.waitRoom(context.Background(), nil) }()
	o.next() // 3 left: still over half
	select {
	case <-released:
		t.Fatal("waitRoom returned with the queue over half full")
	case <-time.After(50 * time.Millisecond):
	}
	o.next() // 2 left: half
	select {
	case ok := <-released:
		if !ok {
			t.Fatal("waitRoom reported the subscriber gone")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waitRoom did not return once the queue drained to half")
	}
	gone := make(chan struct{})
	close(gone)
	o.offer([]byte("x"))
	o.offer([]byte("x"))
	if o.waitRoom(context.Background(), gone) {
		t.Fatal("waitRoom must report a subscriber that is gone")
	}
}
