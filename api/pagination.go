package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pageParams reads page (from 1) and pageSize (1..100, default 20).
func pageParams(c *fiber.Ctx) (models.Page, error) {
	p := models.Page{Number: 1, Size: defaultPageSize}
	var details []FieldError
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1_000_000 {
			details = append(details, FieldError{Field: "page", Message: "must be an integer from 1"})
		}
		p.Number = n
	}
	if v := c.Query("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			details = append(details, FieldError{Field: "pageSize", Message: "must be an integer from 1 to 100"})
		}
		p.Size = n
	}
	if len(details) > 0 {
		return models.Page{}, invalid("invalid query", details...)
	}
	return p, nil
}

// sortParam returns the sort value if allowed, the default if absent.
func sortParam[T ~string](c *fiber.Ctx, def T, allowed ...T) (T, error) {
	v := c.Query("sort")
	if v == "" {
		return def, nil
	}
	for _, a := range allowed {
		if string(a) == v {
			return a, nil
		}
	}
	names := ""
	for i, a := range allowed {
		if i > 0 {
			names += ", "
		}
		names += string(a)
	}
	return def, invalid("invalid query", FieldError{Field: "sort", Message: "must be one of: " + names})
}
