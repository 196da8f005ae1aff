package oidc

// Identity is who signed in, from the verified ID token.
type Identity struct {
	// Issuer and Subject identify the account at the provider.
	Issuer, Subject string
	// Email is lower-case, verified and from an allowed domain.
	Email string
	// Name is the display name, possibly empty.
	Name string
	// Role is the platform role RoleMap gives the RoleClaim, "" when nothing maps.
	Role string
}
