package api

import "github.com/gofiber/fiber/v2"

// listMeta describes one page of a list.
type listMeta struct {
	Page     int   `json:"page"`
	PageSize int   `json:"pageSize"`
	Total    int64 `json:"total"`
}

func ok(c *fiber.Ctx, status int, data any) error {
	return c.Status(status).JSON(fiber.Map{"data": data})
}

func okList(c *fiber.Ctx, data any, meta listMeta) error {
	return c.Status(fiber.StatusOK).JSON(fiber.Map{"data": data, "meta": meta})
}
