package oidc

import "errors"

// The stable codes of a failed sign-in. The HTTP wiring redirects to
// /signin?error=<code> and audits the failure under it, so these strings are
// part of the API: add codes, never rename them.
const (
	// CodeFlowExpired: the flow cookie is missing (the browser dropped it
	// after FlowTTL, or sign-in ended in another browser) or older than FlowTTL.
	CodeFlowExpired = "flow_expired"
	// CodeFlowInvalid: the flow cookie was altered, or sealed with another key.
	CodeFlowInvalid = "flow_invalid"
	// CodeStateMismatch: the state in the callback is not the one this
	// browser's flow started with (CSRF, or a mixed-up second sign-in).
	CodeStateMismatch = "state_mismatch"
	// CodeProviderError: the provider answered the callback with ?error=
	// (the user cancelled, consent denied, …) or without a code.
	CodeProviderError = "provider_error"
	// CodeExchangeFailed: the token endpoint refused the code or could not be reached.
	CodeExchangeFailed = "exchange_failed"
	// CodeInvalidToken: no ID token, or one whose signature, issuer,
	// audience or expiry does not verify.
	CodeInvalidToken = "invalid_token"
	// CodeNonceMismatch: the ID token was not issued for this flow.
	CodeNonceMismatch = "nonce_mismatch"
	// CodeEmailMissing: the ID token carries no email (ask for the email scope,
	// or add the optional email claim at the provider).
	CodeEmailMissing = "email_missing"
	// CodeEmailUnverified: the provider does not vouch for the email.
	CodeEmailUnverified = "email_unverified"
	// CodeDomainNotAllowed: the email's domain is not in AllowedDomains.
	CodeDomainNotAllowed = "domain_not_allowed"
)

// Codes lists every code a Finish error can carry.
func Codes() []string {
	return []string{
		CodeFlowExpired, CodeFlowInvalid, CodeStateMismatch, CodeProviderError,
		CodeExchangeFailed, CodeInvalidToken, CodeNonceMismatch, CodeEmailMissing,
		CodeEmailUnverified, CodeDomainNotAllowed,
	}
}

// Error is why a sign-in failed: a stable Code and a message for people.
// Neither ever holds a token, a secret, a code or a PKCE verifier, so both
// may be logged, audited and shown.
type Error struct {
	// Code is one of Codes().
	Code string
	// Message says what happened, in a sentence.
	Message string
	// cause is the underlying error, for errors.Is/As (a context deadline,
	// *oidc.TokenExpiredError); it is not part of Error().
	cause error
}

// Error returns "oidc <code>: <message>".
func (e *Error) Error() string { return "oidc " + e.Code + ": " + e.Message }

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.cause }

// CodeOf returns the code of an *Error in err's chain, or "" if there is none.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func fail(code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, cause: cause}
}
