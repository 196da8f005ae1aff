package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// A token verified once is answered from memory after, but only until it
// expires; a refused token is never remembered; what is remembered does not
// change when the caller's string was a view of a buffer reused later.
func TestVerifiedTokensAreRememberedUntilTheyExpire(t *testing.T) {
	clock := time.Now()
	tokens, err := NewTokens(strings.Repeat("k", 40), "iss", "aud", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tokens.now = func() time.Time { return clock }
	tok, _, err := tokens.Issue("u1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := tokens.Issue("u2", "s2")
	if err != nil {
		t.Fatal(err)
	}

	// The token as a server hands it over: a view of a request buffer.
	buf := []byte(tok)
	view := unsafe.String(&buf[0], len(buf))
	got, err := tokens.Verify(view)
	if err != nil || got.UserID != "u1" || got.SessionID != "s1" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if _, ok := tokens.verified.get(tok, clock); !ok {
		t.Fatal("a verified token is not remembered")
	}
	copy(buf, other) // the buffer is reused for the next request
	if got, err := tokens.Verify(tok); err != nil || got.UserID != "u1" {
		t.Fatalf("Verify after the buffer was reused = %+v, %v; want u1", got, err)
	}

	forged := tok[:len(tok)-2] + "xx"
	for range 2 {
		if _, err := tokens.Verify(forged); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("forged token: %v, want ErrInvalidToken", err)
		}
	}
	if _, ok := tokens.verified.get(forged, clock); ok {
		t.Fatal("a refused token is remembered")
	}

	clock = clock.Add(time.Minute + verifiedLeeway - time.Second)
	if _, err := tokens.Verify(tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	clock = clock.Add(2 * time.Second)
	if _, err := tokens.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token, remembered: %v, want ErrInvalidToken", err)
	}
}

// The memory is bounded: when full it starts over.
func TestVerifiedTokensAreBounded(t *testing.T) {
	var v verifiedTokens
	for i := range maxVerified + 10 {
		v.put(strings.Repeat("t", 10)+string(rune('a'+i%26))+strings.Repeat("x", i), AccessClaims{ExpiresAt: time.Now().Add(time.Hour)})
	}
	if n := len(v.entries); n > maxVerified {
		t.Fatalf("%d tokens remembered, want at most %d", n, maxVerified)
	}
}
