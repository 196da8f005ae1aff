// Package auth issues and verifies the platform's access tokens and holds the
// role → permission table every authorization check reads.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
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
}

// NewTokens returns a token service. secret signs; previous secrets (each
// at least 32 bytes, like secret) still verify, so a rotation signs no one out.
func NewTokens(secret, issuer, audience string, ttl time.Duration, previous ...string) (*Tokens, error) {
	keys, err := newKeyRing(accessPurpose, secret, previous)
	if err != nil {
		return nil, err
	}
	return &Tokens{
		keys: keys, secrets: append([]string{secret}, previous...),
		issuer: issuer, audience: audience, ttl: ttl, now: time.Now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(5*time.Second),
		),
	}, nil
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
	var claims accessClaims
	if _, err := t.parser.ParseWithClaims(token, &claims, t.keys.lookup); err != nil {
		return AccessClaims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.Subject == "" || claims.SessionID == "" {
		return AccessClaims{}, fmt.Errorf("%w: no subject or session", ErrInvalidToken)
	}
	return AccessClaims{UserID: claims.Subject, SessionID: claims.SessionID, ExpiresAt: claims.ExpiresAt.Time}, nil
}
