package oidc

import (
	"context"
	"errors"
	"net/url"
)

// Start begins an authorization-code flow. Stub.
func (p *Provider) Start(returnTo string) (authURL, flowCookie string, err error) {
	return "", "", errors.New("not implemented")
}

// Finish completes a flow. Stub.
func (p *Provider) Finish(ctx context.Context, flowCookie string, query url.Values) (id Identity, returnTo string, err error) {
	return Identity{}, "", errors.New("not implemented")
}
