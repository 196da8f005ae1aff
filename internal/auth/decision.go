package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DecisionTTL is how long a decision token may be used.
const DecisionTTL = 10 * time.Minute

// Decision kinds a decision token allows; DecisionEither allows both.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
	DecisionEither  = ""
)

// decisionAudience keeps decision tokens and access tokens apart even if the
// key derivation were ever changed.
const decisionAudience = "forgeai-approval-decision"

// ErrDecisionExpired means a decision token was valid but is past its expiry.
var ErrDecisionExpired = errors.New("the decision token has expired")

// DecisionClaims is what a decision token proves: who may decide which
// approval, how, until when; ID (jti) makes each token usable once.
type DecisionClaims struct {
	ApprovalID string `json:"approval"`
	ApproverID string `json:"approver"`
	Decision   string `json:"decision,omitempty"` // DecisionApprove, DecisionReject or DecisionEither
	jwt.RegisteredClaims
}

// Allows reports whether the token allows the decision (approve or reject).
func (c DecisionClaims) Allows(decision string) bool {
	return c.Decision == DecisionEither || c.Decision == decision
}

// DecisionTokens signs and checks the short-lived tokens that let an
// approver's signal from the Temporal UI or CLI count (HS256 with a key
// derived from the JWT secret, so an access token never verifies as one).
type DecisionTokens struct {
	keys keyRing
}

// decisionPurpose derives the decision key from the JWT secret.
const decisionPurpose = "forgeai approval decision tokens v1"

// NewDecisionTokens derives the decision key from the JWT secret (at least
// 32 bytes); previous secrets still verify tokens signed before a rotation.
func NewDecisionTokens(secret string, previous ...string) (*DecisionTokens, error) {
	keys, err := newKeyRing(decisionPurpose, secret, previous)
	if err != nil {
		return nil, err
	}
	return &DecisionTokens{keys: keys}, nil
}

// Decisions returns the decision tokens keyed from the same secrets as t.
func (t *Tokens) Decisions() *DecisionTokens {
	d, _ := NewDecisionTokens(t.secrets[0], t.secrets[1:]...) // t's secrets were checked by NewTokens
	return d
}

// Issue signs a token letting approverID decide approvalID (decision kind
// DecisionApprove, DecisionReject or DecisionEither) until now+DecisionTTL.
func (d *DecisionTokens) Issue(approvalID, approverID, decision string, now time.Time) (string, DecisionClaims, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", DecisionClaims{}, fmt.Errorf("decision token id: %w", err)
	}
	now = now.UTC()
	claims := DecisionClaims{ApprovalID: approvalID, ApproverID: approverID, Decision: decision,
		RegisteredClaims: jwt.RegisteredClaims{
			ID: hex.EncodeToString(jti), Subject: approverID, Audience: jwt.ClaimStrings{decisionAudience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(DecisionTTL)),
		}}
	signed, err := d.keys.sign(claims)
	if err != nil {
		return "", DecisionClaims{}, fmt.Errorf("sign decision token: %w", err)
	}
	return signed, claims, nil
}

// Verify checks the token's signature, algorithm, audience and expiry at now
// and returns its claims; ErrDecisionExpired or ErrInvalidToken otherwise.
func (d *DecisionTokens) Verify(token string, now time.Time) (DecisionClaims, error) {
	var claims DecisionClaims
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithAudience(decisionAudience),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(func() time.Time { return now }))
	_, err := p.ParseWithClaims(token, &claims, d.keys.lookup)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return DecisionClaims{}, ErrDecisionExpired
	case err != nil:
		return DecisionClaims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	case claims.ID == "" || claims.ApprovalID == "" || claims.ApproverID == "":
		return DecisionClaims{}, fmt.Errorf("%w: incomplete claims", ErrInvalidToken)
	}
	return claims, nil
}
