package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/auth"
)

var (
	oldSecret = strings.Repeat("o", 40)
	newSecret = strings.Repeat("n", 40)
)

func kidOf(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

func TestAccessTokensCarryKeyIDAndSession(t *testing.T) {
	tokens, err := auth.NewTokens(oldSecret, "iss", "aud", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tok, exp, err := tokens.Issue("u1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	if kidOf(t, tok) == "" {
		t.Fatal("token has no kid header")
	}
	if strings.Contains(kidOf(t, tok), oldSecret[:8]) {
		t.Fatal("kid reveals the secret")
	}
	got, err := tokens.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "u1" || got.SessionID != "s1" || !got.ExpiresAt.Equal(exp.Truncate(time.Second)) {
		t.Fatalf("claims %+v (exp %v)", got, exp)
	}
}

func TestRotatingTheSecretKeepsSessionsSignedBefore(t *testing.T) {
	before, _ := auth.NewTokens(oldSecret, "iss", "aud", time.Minute)
	oldTok, _, _ := before.Issue("u1", "s1")
	oldCSRF := before.CSRF().Token("s1")

	after, err := auth.NewTokens(newSecret, "iss", "aud", time.Minute, oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := after.Verify(oldTok); err != nil {
		t.Fatalf("a token signed before the rotation no longer verifies: %v", err)
	}
	if !after.CSRF().Valid("s1", oldCSRF) {
		t.Fatal("a CSRF token made before the rotation no longer matches")
	}
	newTok, _, _ := after.Issue("u1", "s1")
	if kidOf(t, newTok) == kidOf(t, oldTok) {
		t.Fatal("the new key signs under the old key id")
	}
	// Once the old secret is dropped, its tokens stop verifying.
	dropped, _ := auth.NewTokens(newSecret, "iss", "aud", time.Minute)
	if _, err := dropped.Verify(oldTok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("a token of a dropped key verified: %v", err)
	}
	if _, err := dropped.Verify(newTok); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewTokens(newSecret, "iss", "aud", time.Minute, "short"); err == nil {
		t.Fatal("a short previous secret was accepted")
	}
}

func TestAccessTokenRefusals(t *testing.T) {
	tokens, _ := auth.NewTokens(oldSecret, "iss", "aud", time.Minute)
	otherAud, _ := auth.NewTokens(oldSecret, "iss", "other", time.Minute)
	expired, _ := auth.NewTokens(oldSecret, "iss", "aud", -time.Minute)
	decision, _ := auth.NewDecisionTokens(oldSecret)
	aud, _, _ := otherAud.Issue("u1", "s1")
	exp, _, _ := expired.Issue("u1", "s1")
	dec, _, _ := decision.Issue("a1", "u1", auth.DecisionEither, time.Now())
	noSession, _, _ := tokens.Issue("u1", "")
	for name, tok := range map[string]string{"audience": aud, "expired": exp, "decision token": dec, "no session": noSession, "garbage": "x.y.z"} {
		if _, err := tokens.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s: Verify = %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestCSRFTokenIsBoundToItsSession(t *testing.T) {
	tokens, _ := auth.NewTokens(oldSecret, "iss", "aud", time.Minute)
	csrf := tokens.CSRF()
	tok := csrf.Token("s1")
	last := "A"
	if strings.HasSuffix(tok, "A") {
		last = "B"
	}
	if !csrf.Valid("s1", tok) {
		t.Fatal("the session's own token is refused")
	}
	for name, c := range map[string][2]string{
		"another session": {"s2", tok}, "empty": {"s1", ""}, "no session": {"", tok}, "tampered": {"s1", tok[:len(tok)-1] + last},
	} {
		if csrf.Valid(c[0], c[1]) {
			t.Errorf("%s: accepted", name)
		}
	}
	other, _ := auth.NewTokens(newSecret, "iss", "aud", time.Minute)
	if other.CSRF().Valid("s1", tok) {
		t.Fatal("another secret's CSRF token matched")
	}
}

func TestRefreshTokensAreStoredHashed(t *testing.T) {
	tok, hash, err := auth.NewRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	tok2, _, _ := auth.NewRefreshToken()
	if tok == tok2 || len(tok) < 40 {
		t.Fatalf("refresh tokens %q %q", tok, tok2)
	}
	if hash == tok || hash != auth.HashRefreshToken(tok) || strings.Contains(hash, tok) {
		t.Fatal("hash")
	}
}
