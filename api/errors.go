package api

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error with the status, code and details a client sees.
type Error struct {
	Status  int
	Code    string
	Message string
	Details []FieldError
	Context map[string]string // extra facts, e.g. the id of a conflicting object
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func badRequest(msg string, details ...FieldError) *Error {
	return &Error{Status: fiber.StatusBadRequest, Code: "bad_request", Message: msg, Details: details}
}

func invalid(msg string, details ...FieldError) *Error {
	return &Error{Status: fiber.StatusBadRequest, Code: "validation_failed", Message: msg, Details: details}
}

func unprocessable(msg string, details ...FieldError) *Error {
	return &Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid_configuration", Message: msg, Details: details}
}

func unauthorized(msg string) *Error {
	return &Error{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: msg}
}

type errorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details []FieldError      `json:"details,omitempty"`
	Context map[string]string `json:"context,omitempty"`
}

// errorHandler is the one place errors become HTTP responses. Sentinels map to
// statuses; anything unknown is logged and answered as a bare 500. An error
// the server raised before any middleware ran (a body over the limit) gets
// the security headers here (hsts: PUBLIC_URL is https).
func errorHandler(log *slog.Logger, hsts bool) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		if len(c.Response().Header.Peek(fiber.HeaderXContentTypeOptions)) == 0 {
			setSecurityHeaders(c, hsts)
			// The path may be unknown (headers too large): no error is cached.
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		e := toAPIError(err)
		if e.Status >= 500 {
			log.ErrorContext(c.UserContext(), "request failed", "error", err.Error(),
				"request_id", requestID(c), "route", routeOf(c))
		}
		return c.Status(e.Status).JSON(fiber.Map{"error": errorBody{Code: e.Code, Message: e.Message, Details: e.Details, Context: e.Context}})
	}
}

func toAPIError(err error) *Error {
	var apiErr *Error
	var fe *fiber.Error
	var locked *models.ConfigurationLockedError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.As(err, &locked):
		return &Error{Status: fiber.StatusConflict, Code: "deployment_in_progress", Message: locked.Error(),
			Details: []FieldError{{Field: "configuration", Message: "cannot change while a deployment is waiting for approval or running"}},
			Context: map[string]string{"deploymentId": locked.DeploymentID}}
	case errors.Is(err, models.ErrNotFound):
		return &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "not found"}
	case errors.Is(err, models.ErrUnavailable):
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "the database is unavailable for a moment; try again"}
	case errors.Is(err, models.ErrConflict):
		return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: "conflicts with an existing object"}
	case errors.Is(err, auth.ErrInvalidToken):
		return unauthorized("invalid or expired token")
	case errors.Is(err, workflows.ErrWorkerUnavailable):
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "worker_unavailable",
			Message: "no workflow worker answered in time (the platform's workers may be down); the request may still take effect once one is back, so check before you send it again"}
	case errors.Is(err, workflows.ErrOnboardingComplete):
		return &Error{Status: fiber.StatusConflict, Code: "onboarding_complete", Message: workflows.MsgOnboardingComplete}
	case errors.As(err, &fe):
		return fromFiberError(fe)
	default:
		return &Error{Status: fiber.StatusInternalServerError, Code: "internal", Message: "internal error"}
	}
}

func fromFiberError(fe *fiber.Error) *Error {
	code := map[int]string{
		fiber.StatusNotFound:              "not_found",
		fiber.StatusMethodNotAllowed:      "method_not_allowed",
		fiber.StatusRequestEntityTooLarge: "payload_too_large",
		fiber.StatusUnsupportedMediaType:  "unsupported_media_type",
		fiber.StatusTooManyRequests:       "rate_limited",
		fiber.StatusServiceUnavailable:    "unavailable",
	}[fe.Code]
	if code == "" {
		if fe.Code >= 500 {
			return &Error{Status: fiber.StatusInternalServerError, Code: "internal", Message: "internal error"}
		}
		code = "bad_request"
	}
	return &Error{Status: fe.Code, Code: code, Message: fe.Message}
}
