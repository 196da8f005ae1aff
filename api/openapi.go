package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPI describes every /api route; openapi_test.go keeps it equal to the router.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) openAPISpec(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPI)
}
