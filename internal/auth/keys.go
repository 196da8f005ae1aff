package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// minSecretLen is the shortest secret a signing key may be made from.
const minSecretLen = 32

// keyRing holds the key that signs and the keys that still verify. Every
// token names its key in the JWT "kid" header, so rotating the secret (the
// new one signs, the old one moves to the previous list) leaves every
// session signed before the rotation valid until it expires.
type keyRing struct {
	signing keyEntry
	byID    map[string][]byte
}

type keyEntry struct {
	id  string
	key []byte
}

// newKeyRing derives one key per secret for purpose (access tokens,
// decision tokens, CSRF tokens), so a key of one purpose never verifies as
// another's. The key id is a digest of the derived key, not of the secret.
func newKeyRing(purpose, current string, previous []string) (keyRing, error) {
	if len(current) < minSecretLen {
		return keyRing{}, fmt.Errorf("jwt secret must be at least %d bytes", minSecretLen)
	}
	ring := keyRing{byID: map[string][]byte{}}
	for i, secret := range append([]string{current}, previous...) {
		if len(secret) < minSecretLen {
			return keyRing{}, fmt.Errorf("previous jwt secret %d must be at least %d bytes", i, minSecretLen)
		}
		e := deriveKey(purpose, secret)
		if i == 0 {
			ring.signing = e
		}
		if _, dup := ring.byID[e.id]; !dup {
			ring.byID[e.id] = e.key
		}
	}
	return ring, nil
}

func deriveKey(purpose, secret string) keyEntry {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(purpose))
	key := mac.Sum(nil)
	id := sha256.Sum256(append([]byte("kid:"), key...))
	return keyEntry{id: hex.EncodeToString(id[:6]), key: key}
}

// sign signs claims with the current key and names it in the header.
func (r keyRing) sign(claims jwt.Claims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = r.signing.id
	return tok.SignedString(r.signing.key)
}

// lookup is the jwt.Keyfunc: the key the token's "kid" names, if we hold it.
func (r keyRing) lookup(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	key, ok := r.byID[kid]
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	return key, nil
}
