package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// csrfPurpose derives the CSRF key from the JWT secret.
const csrfPurpose = "forgeai csrf tokens v1"

// CSRF makes and checks the anti-forgery token of a browser session: an
// HMAC of the session id (the "signed double-submit cookie" pattern). The
// browser reads it from a cookie and echoes it in X-CSRF-Token; a page on
// another site can neither read the cookie nor forge the value for the
// victim's session, and one made for another session does not match.
type CSRF struct {
	keys keyRing
}

// CSRF returns the CSRF tokens keyed from the same secrets as t.
func (t *Tokens) CSRF() *CSRF {
	keys, _ := newKeyRing(csrfPurpose, t.secrets[0], t.secrets[1:]) // checked by NewTokens
	return &CSRF{keys: keys}
}

// Token is the CSRF token of the session, made with the current key.
func (c *CSRF) Token(sessionID string) string {
	return csrfMAC(c.keys.signing.key, sessionID)
}

// Valid reports whether token is the session's CSRF token under any key we
// hold, so rotating the secret keeps open tabs working.
func (c *CSRF) Valid(sessionID, token string) bool {
	if sessionID == "" || token == "" {
		return false
	}
	for _, key := range c.keys.byID {
		if subtle.ConstantTimeCompare([]byte(csrfMAC(key, sessionID)), []byte(token)) == 1 {
			return true
		}
	}
	return false
}

func csrfMAC(key []byte, sessionID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(sessionID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// NewRefreshToken returns a random refresh token and the hash under which it
// is stored: the database never holds a usable token.
func NewRefreshToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("refresh token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashRefreshToken(token), nil
}

// HashRefreshToken is the stored form of a refresh token (SHA-256, hex). A
// refresh token has 256 random bits, so a fast hash is enough.
func HashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
