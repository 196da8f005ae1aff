package api

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/auth"
)

// Access markers for routes that need no specific permission. A route's
// access is a permission from internal/auth or one of these.
const (
	// Public routes need no sign-in.
	Public auth.Permission = "public"
	// Personalised routes are public but use a valid bearer token when sent.
	Personalised auth.Permission = "public:personalised"
	// SignedIn routes need any signed-in user; object rules in the handler
	// (owner, eligible approver, admin) decide the rest.
	SignedIn auth.Permission = "signed-in"
	// SignedInOnSocket routes sign the client in with its first WebSocket
	// message, so the HTTP upgrade itself needs no token.
	SignedInOnSocket auth.Permission = "signed-in:socket"
)

// routeNamePrefix marks a Fiber route name as an access rule.
const routeNamePrefix = "access="

// RouteAccess returns the access a route was registered with, read from its
// Fiber name; ok is false for a route registered without one.
func RouteAccess(r fiber.Route) (access auth.Permission, ok bool) {
	if len(r.Name) <= len(routeNamePrefix) || r.Name[:len(routeNamePrefix)] != routeNamePrefix {
		return "", false
	}
	return auth.Permission(r.Name[len(routeNamePrefix):]), true
}

// handle registers one route with the access it needs: the middleware that
// enforces it runs before h. The access is recorded as the route's Fiber
// name, so whoever holds the app (the route permission test, the spec test)
// reads each route's rule from app.GetRoutes() and a route registered
// without handle has none.
func (s *Server) handle(r fiber.Router, method, path string, access auth.Permission, h ...fiber.Handler) {
	var chain []fiber.Handler
	switch access {
	case Public, SignedInOnSocket:
	case Personalised:
		chain = append(chain, s.optionalAuth)
	case SignedIn:
		chain = append(chain, s.requireAuth)
	default:
		chain = append(chain, s.requireAuth, requirePermission(access))
	}
	r.Add(method, path, append(chain, h...)...).Name(routeNamePrefix + string(access))
}

// requirePermission refuses a signed-in user whose role lacks p.
func requirePermission(p auth.Permission) fiber.Handler {
	msg := fmt.Sprintf("this needs the permission %s, which your role does not grant", p)
	return func(c *fiber.Ctx) error {
		if !auth.Can(currentUser(c).Role, p) {
			return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: msg}
		}
		return c.Next()
	}
}
