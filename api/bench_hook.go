package api

import "github.com/gofiber/fiber/v2"

// benchRoutes registers routes that only a binary built with -tags bench
// has (api/bench_bare.go): nil in every other build.
var benchRoutes func(s *Server, app *fiber.App)
