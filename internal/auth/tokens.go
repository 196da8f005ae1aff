// Package auth issues and verifies the platform's access tokens and holds the
// role → permission table every authorization check reads.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken means a token is missing, malformed, forged, expired or not ours.
var ErrInvalidToken = errors.New("invalid token")

// accessPurpose derives the access-token key from the configured secret.
const accessPurpose = "forgeai access tokens v1"

// AccessClaims is what an access token says: whose it is and which sign-in
// session it belongs to. The user's role is never in it: every request
// loads the user, so a role change or deactivation applies at once.
type AccessClaims struct {
	UserID    string
	SessionID string
	ExpiresAt time.Time
}

type accessClaims struct {
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// Tokens signs and checks short-lived HS256 access tokens with a fixed
// issuer and audience, each naming its key (kid) and its session (sid).
type Tokens struct {
	keys     keyRing
	secrets  []string // current first, for the other purposes' key rings
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	verified verifiedTokens
}

// NewTokens returns a token service. secret signs; previous secrets (each
// at least 32 bytes, like secret) still verify, so a rotation signs no one out.
func NewTokens(secret, issuer, audience string, ttl time.Duration, previous ...string) (*Tokens, error) {
	keys, err := newKeyRing(accessPurpose, secret, previous)
	if err != nil {
		return nil, err
	}
	t := &Tokens{
		keys: keys, secrets: append([]string{secret}, previous...),
		issuer: issuer, audience: audience, ttl: ttl, now: time.Now,
	}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(verifiedLeeway),
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
	)
	return t, nil
}

// TTL is how long an access token lives.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue returns a signed access token for the user's session and when it expires.
func (t *Tokens) Issue(userID, sessionID string) (string, time.Time, error) {
	now := t.now().UTC()
	exp := now.Add(t.ttl)
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return "", time.Time{}, fmt.Errorf("token id: %w", err)
	}
	claims := accessClaims{SessionID: sessionID, RegisteredClaims: jwt.RegisteredClaims{
		ID:        hex.EncodeToString(id), // two tokens of a session are never equal
		Subject:   userID,
		Issuer:    t.issuer,
		Audience:  jwt.ClaimStrings{t.audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}}
	signed, err := t.keys.sign(claims)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return signed, exp, nil
}

// Verify checks key id, signature, algorithm, expiry, issuer and audience
// and returns the user and session the token was issued to.
func (t *Tokens) Verify(token string) (AccessClaims, error) {
	now := t.now()
	if c, ok := t.verified.get(token, now); ok {
		return c, nil
	}
	c, err := t.verify(token)
	if err == nil {
		t.verified.put(token, c)
	}
	return c, err
}

func (t *Tokens) verify(token string) (AccessClaims, error) {
	var claims accessClaims
	if _, err := t.parser.ParseWithClaims(token, &claims, t.keys.lookup); err != nil {
		return AccessClaims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.Subject == "" || claims.SessionID == "" {
		return AccessClaims{}, fmt.Errorf("%w: no subject or session", ErrInvalidToken)
	}
	return AccessClaims{UserID: claims.Subject, SessionID: claims.SessionID, ExpiresAt: claims.ExpiresAt.Time}, nil
}

// verifiedTokens remembers the claims of tokens that passed Verify, so a
// client sending the same token on every request has it parsed and its
// signature checked once. Everything Verify checks but expiry is fixed by
// the token's bytes and the key ring, which never changes for a Tokens
// value (iat and nbf, once past, stay past); expiry is checked again on
// every hit, with the parser's leeway. Revocation is not the token's
// business: every request still loads the session. At most maxVerified
// tokens are kept; when full, the lot is dropped and refilled.
type verifiedTokens struct {
	mu      sync.RWMutex
	entries map[string]AccessClaims
}

const (
	maxVerified    = 4096
	verifiedLeeway = 5 * time.Second // the parser's leeway too
)

func (v *verifiedTokens) get(token string, now time.Time) (AccessClaims, bool) {
	v.mu.RLock()
	c, ok := v.entries[token]
	v.mu.RUnlock()
	if !ok || !now.Before(c.ExpiresAt.Add(verifiedLeeway)) {
		return AccessClaims{}, false
	}
	return c, true
}

func (v *verifiedTokens) put(token string, c AccessClaims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.entries == nil || len(v.entries) >= maxVerified {
		v.entries = make(map[string]AccessClaims)
	}
	// A clone: the caller's string may be a view of a request buffer that
	// the server reuses.
	v.entries[strings.Clone(token)] = c
}
