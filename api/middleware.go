package api

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

const requestIDHeader = "X-Request-ID"

type ctxKey int

const (
	keyRequestID ctxKey = iota
)

// validRequestID: 1 to 128 of A-Z a-z 0-9 . _ : - (checked byte by byte,
// on every request).
func validRequestID(id []byte) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for _, b := range id {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// requestIDs accepts a well-formed X-Request-ID from the client or makes one,
// echoes it, and puts it into the request's context for logs downstream.
func requestIDs() fiber.Handler {
	return func(c *fiber.Ctx) error {
		var id string
		if sent := c.Request().Header.Peek(requestIDHeader); validRequestID(sent) {
			id = string(sent)
		} else {
			id = uuid.NewString()
		}
		c.Locals(keyRequestID, id)
		c.Set(requestIDHeader, id)
		c.SetUserContext(context.WithValue(c.UserContext(), keyRequestID, id))
		return c.Next()
	}
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(keyRequestID).(string)
	return id
}

// routeOf is the matched route pattern, so metrics and logs do not explode
// with one series per id.
func routeOf(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	if c.Path() == "/" {
		return "/"
	}
	return "unmatched"
}

// methodOf is the request's method as a string that outlives the request.
// c.Method() points into Fiber's request buffer, which the next request on
// the connection overwrites: a metric label kept from it turned a POST series
// into "GETT" and made /metrics answer 500 for duplicate series. Known
// methods map to constants (no allocation); anything else is copied.
func methodOf(c *fiber.Ctx) string {
	m := c.Method()
	for _, known := range knownMethods {
		if m == known {
			return known
		}
	}
	return strings.Clone(m)
}

var knownMethods = []string{
	fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete,
	fiber.MethodHead, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace,
}

// accessLog writes one structured line per request and records its duration.
func (s *Server) accessLog() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := s.auditTrail(c) // runs the handler; records mutating requests
		status := c.Response().StatusCode()
		if err != nil {
			// The error handler has not run yet; ask it for the final status.
			status = toAPIError(err).Status
		}
		method, route := methodOf(c), routeOf(c)
		elapsed := time.Since(start)
		s.metrics.observe(method, route, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		if !s.log.Enabled(c.UserContext(), level) {
			return err // LOG_LEVEL above info: no line to build
		}
		s.log.LogAttrs(c.UserContext(), level, "http request",
			slog.String("request_id", requestID(c)),
			slog.String("user_id", currentUserID(c)),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		)
		return err
	}
}
