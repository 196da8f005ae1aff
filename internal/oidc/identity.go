package oidc

import (
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Identity is who signed in, from the verified ID token.
type Identity struct {
	// Issuer and Subject identify the account at the provider (the stable key;
	// an email can be reassigned).
	Issuer, Subject string
	// Email is lower-case, verified and from an allowed domain.
	Email string
	// Name is the display name (name, else given and family name, else
	// preferred_username); it may be empty.
	Name string
	// Role is the platform role RoleMap gives a RoleClaim value, "" when nothing maps.
	Role string
}

// identity checks the verified token's claims and turns them into an Identity.
func (p *Provider) identity(idt *oidc.IDToken) (Identity, error) {
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, fail(CodeInvalidToken, "the ID token's claims are not a JSON object", err)
	}
	if idt.Subject == "" {
		return Identity{}, fail(CodeInvalidToken, "the ID token has no subject", nil)
	}
	email := strings.ToLower(strings.TrimSpace(str(claims["email"])))
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return Identity{}, fail(CodeEmailMissing, "the identity provider sent no email address (request the email scope or claim)", nil)
	}
	if !p.emailVerified(claims["email_verified"]) {
		return Identity{}, fail(CodeEmailUnverified, "the identity provider does not vouch for the email address (email_verified is not true)", nil)
	}
	if len(p.allowed) > 0 && !contains(p.allowed, domain) {
		return Identity{}, fail(CodeDomainNotAllowed, fmt.Sprintf("accounts of the email domain %s may not sign in", domain), nil)
	}
	return Identity{
		Issuer:  idt.Issuer,
		Subject: idt.Subject,
		Email:   email,
		Name:    displayName(claims),
		Role:    p.role(claims),
	}, nil
}

// emailVerified accepts email_verified true (or "true", as some providers
// send it); a missing claim only with TrustEmail.
func (p *Provider) emailVerified(v any) bool {
	switch v := v.(type) {
	case nil:
		return p.trustEmail
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	default:
		return false
	}
}

func displayName(claims map[string]any) string {
	if n := strings.TrimSpace(str(claims["name"])); n != "" {
		return n
	}
	if n := strings.TrimSpace(str(claims["given_name"]) + " " + str(claims["family_name"])); n != "" {
		return n
	}
	return strings.TrimSpace(str(claims["preferred_username"]))
}

// role maps the RoleClaim's values through RoleMap. When several values map,
// the most privileged role wins (admin, then technical_user, then
// business_user), whatever order the provider lists them in.
func (p *Provider) role(claims map[string]any) string {
	if p.roleClaim == "" || len(p.roleMap) == 0 {
		return ""
	}
	values := claimValues(lookup(claims, p.roleClaim))
	for _, role := range roleOrder {
		for _, v := range values {
			if p.roleMap[v] == role {
				return role
			}
		}
	}
	return ""
}

// lookup finds a claim by its full name ("groups",
// "https://example.com/roles"), else by a dotted path ("realm_access.roles").
func lookup(claims map[string]any, name string) any {
	if v, ok := claims[name]; ok {
		return v
	}
	var cur any = claims
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// claimValues reads a claim that is a string or an array of strings.
func claimValues(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
