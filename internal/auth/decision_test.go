package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/auth"
)

func TestDecisionTokens(t *testing.T) {
	const secret = "decision-test-secret-0123456789-0123456789"
	d, err := auth.NewDecisionTokens(secret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := auth.NewDecisionTokens(strings.Repeat("x", 40))
	access, _ := auth.NewTokens(secret, "iss", "aud", time.Hour)
	accessToken, _, _ := access.Issue("u1", "s1")
	now := time.Now()
	tok, claims, err := d.Issue("a1", "u1", auth.DecisionApprove, now)
	if err != nil {
		t.Fatal(err)
	}
	forged, _, _ := other.Issue("a1", "u1", auth.DecisionApprove, now)
	tests := []struct {
		name    string
		token   string
		at      time.Time
		wantErr error
	}{
		{"valid", tok, now.Add(9 * time.Minute), nil},
		{"expired", tok, now.Add(auth.DecisionTTL + time.Second), auth.ErrDecisionExpired},
		{"another key", forged, now, auth.ErrInvalidToken},
		{"an access token", accessToken, now, auth.ErrInvalidToken},
		{"garbage", "not-a-token", now, auth.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Verify(tt.token, tt.at)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && (got.ApprovalID != "a1" || got.ApproverID != "u1" || got.ID != claims.ID || !got.Allows(auth.DecisionApprove) || got.Allows(auth.DecisionReject)) {
				t.Fatalf("claims %+v", got)
			}
		})
	}
	// The API's tokens derive the same decision key from the same secret.
	if _, err := access.Decisions().Verify(tok, now); err != nil {
		t.Fatalf("the API's decision tokens do not verify the worker's: %v", err)
	}
	_, c2, _ := d.Issue("a1", "u1", auth.DecisionEither, now)
	if c2.ID == claims.ID || !c2.Allows(auth.DecisionReject) {
		t.Fatalf("second token %+v", c2)
	}
}
