package api

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func isUUID(v string) bool {
	_, err := uuid.Parse(v)
	return err == nil && len(v) == 36
}

func isSlug(v string) bool { return len(v) <= 64 && slugPattern.MatchString(v) }

// uuidParam reads a UUID path parameter, copied out of Fiber's buffer.
func uuidParam(c *fiber.Ctx, name string) (string, error) {
	v := c.Params(name)
	if !isUUID(v) {
		return "", badRequest("invalid "+name, FieldError{Field: name, Message: "must be a UUID"})
	}
	return strings.ToLower(strings.Clone(v)), nil
}

func contains(list []string, v string) bool { return slices.Contains(list, v) }

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func roundTo2(f float64) float64 { return math.Round(f*100) / 100 }

func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return math.MaxInt
	}
	return len(b)
}

func slicesContains(list []string, v string) bool { return slices.Contains(list, v) }
