package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Start begins an authorization-code flow with PKCE (S256), state and nonce.
// It returns the provider URL to redirect the browser to and the value of the
// flow cookie (see FlowCookieName) that carries state, nonce, PKCE verifier and
// returnTo, encrypted and authenticated with a key derived from flowKey, valid
// for FlowTTL. returnTo must be a local path ("/x?y"); anything else becomes "/".
func (p *Provider) Start(returnTo string) (authURL, flowCookie string, err error) {
	state, err := randomToken()
	if err != nil {
		return "", "", err
	}
	nonce, err := randomToken()
	if err != nil {
		return "", "", err
	}
	f := flowState{
		State: state, Nonce: nonce, Verifier: oauth2.GenerateVerifier(),
		ReturnTo: SafeReturnTo(returnTo), Expires: p.now().Add(FlowTTL).Unix(),
	}
	flowCookie, err = p.seal(f)
	if err != nil {
		return "", "", fmt.Errorf("oidc: seal the flow cookie: %w", err)
	}
	authURL = p.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(f.Verifier))
	return authURL, flowCookie, nil
}

// Finish completes the flow the callback query belongs to: it checks the flow
// cookie and the state, handles an ?error= from the provider, exchanges the
// code with the PKCE verifier, verifies the ID token (signature, issuer,
// audience and expiry, via go-oidc) and its nonce, requires a verified email
// from an allowed domain, and maps the role claim. Every failure is an *Error.
func (p *Provider) Finish(ctx context.Context, flowCookie string, query url.Values) (id Identity, returnTo string, err error) {
	if flowCookie == "" {
		return Identity{}, "", fail(CodeFlowExpired, "the sign-in took longer than 10 minutes or was started in another browser; sign in again", nil)
	}
	f, err := p.open(flowCookie)
	switch {
	case errors.Is(err, errFlowExpired):
		return Identity{}, "", fail(CodeFlowExpired, "the sign-in took longer than 10 minutes; sign in again", nil)
	case err != nil:
		return Identity{}, "", fail(CodeFlowInvalid, "the sign-in flow cookie is not one this platform issued", nil)
	}

	state, providerErr := query.Get("state"), query.Get("error")
	// Providers send the state back with errors too, but may omit it; an
	// error without a state is reported as the provider's error.
	if !(state == "" && providerErr != "") && !equal(state, f.State) {
		return Identity{}, "", fail(CodeStateMismatch, "the callback does not belong to the sign-in this browser started", nil)
	}
	if providerErr != "" {
		return Identity{}, "", fail(CodeProviderError, "the identity provider refused the sign-in: "+safeProviderCode(providerErr), nil)
	}
	code := query.Get("code")
	if code == "" {
		return Identity{}, "", fail(CodeProviderError, "the identity provider sent no authorization code", nil)
	}

	ctx = p.clientContext(ctx)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Identity{}, "", exchangeError(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", fail(CodeInvalidToken, "the token endpoint returned no ID token", nil)
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return Identity{}, "", fail(CodeInvalidToken, "the ID token has expired", err)
		}
		return Identity{}, "", fail(CodeInvalidToken, "the ID token does not verify: "+strings.TrimPrefix(err.Error(), "oidc: "), err)
	}
	if !equal(idt.Nonce, f.Nonce) {
		return Identity{}, "", fail(CodeNonceMismatch, "the ID token was not issued for this sign-in (nonce)", nil)
	}
	id, err = p.identity(idt)
	if err != nil {
		return Identity{}, "", err
	}
	return id, SafeReturnTo(f.ReturnTo), nil
}

// exchangeError describes a failed code exchange without the provider's
// response body, which may echo the code.
func exchangeError(err error) *Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := "the token endpoint refused the authorization code"
		if re.ErrorCode != "" {
			msg += ": " + safeProviderCode(re.ErrorCode)
		}
		if re.Response != nil {
			msg += fmt.Sprintf(" (HTTP %d)", re.Response.StatusCode)
		}
		return fail(CodeExchangeFailed, msg, nil)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fail(CodeExchangeFailed, "the token endpoint did not answer in time", err)
	}
	return fail(CodeExchangeFailed, "the token endpoint could not be reached", nil)
}

// providerCode is the form of an OAuth error code (RFC 6749 §4.1.2.1).
var providerCode = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

// safeProviderCode is an OAuth error code fit for a message and the audit
// trail; free text (error_description) is never used.
func safeProviderCode(s string) string {
	if providerCode.MatchString(s) {
		return s
	}
	return "unrecognised error"
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// randomToken is 32 random bytes, base64url.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// maxReturnTo bounds returnTo so the cookie stays under browsers' 4 KB.
const maxReturnTo = 2048

// SafeReturnTo returns s when it is a path on this origin ("/x?y#z") and "/"
// otherwise: absolute URLs, scheme-relative "//host", backslashes (which
// browsers read as slashes), control characters (tabs and newlines are dropped
// by browsers, turning "/\t/host" into "//host") and overlong values.
func SafeReturnTo(s string) string {
	if s == "" || len(s) > maxReturnTo || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return "/"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return s
}
