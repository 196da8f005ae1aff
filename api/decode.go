package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/catalog"
)

// decodeBody parses the JSON body strictly into dst (unknown fields, trailing
// data and wrong types are 400s naming the field) and runs its validate tags.
func (s *Server) decodeBody(c *fiber.Ctx, dst any) error {
	if ct := string(c.Request().Header.ContentType()); ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return &Error{Status: fiber.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "body must be application/json"}
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badRequest("body must hold a single JSON object")
	}
	if n, ok := dst.(normalizer); ok {
		n.normalize()
	}
	return s.validateStruct(dst)
}

// normalizer is implemented by requests that trim or canonicalise their
// fields before validation.
type normalizer interface{ normalize() }

func decodeError(err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return badRequest("body must be a JSON object")
		}
		return invalid("invalid request", FieldError{Field: field, Message: "must be " + jsonKind(typeErr.Type)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid("invalid request", FieldError{Field: name, Message: "unknown field"})
	default:
		return badRequest("malformed JSON")
	}
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "of another type"
}

// newValidator reports fields by their JSON names.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("public_http_url", func(fl validator.FieldLevel) bool {
		return publicHTTPURL(fl.Field().String())
	})
	_ = v.RegisterValidation("industry_or_empty", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || slices.Contains(catalog.Industries(), s)
	})
	return v
}

func (s *Server) validateStruct(dst any) error {
	err := s.validate.Struct(dst)
	var verrs validator.ValidationErrors
	if err == nil {
		return nil
	}
	if !errors.As(err, &verrs) {
		return fmt.Errorf("validate request: %w", err)
	}
	details := make([]FieldError, 0, len(verrs))
	for _, fe := range verrs {
		details = append(details, FieldError{Field: fieldPath(fe.Namespace()), Message: ruleMessage(fe)})
	}
	return invalid("invalid request", details...)
}

// fieldPath drops the struct name validator puts first ("createProject.name" → "name").
func fieldPath(ns string) string {
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		return ns[i+1:]
	}
	return ns
}

func ruleMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be a valid email address"
	case "max":
		return "must be at most " + fe.Param() + " characters"
	case "min":
		return "must be at least " + fe.Param() + " characters"
	case "gte":
		return "must be at least " + fe.Param()
	case "lte":
		return "must be at most " + fe.Param()
	case "oneof":
		return "must be one of: " + fe.Param()
	case "industry_or_empty":
		return "must be one of: " + strings.Join(catalog.Industries(), ", ") + " (or empty to clear)"
	case "uuid":
		return "must be a UUID"
	case "url", "http_url":
		return "must be an http(s) URL"
	case "public_http_url":
		return "must be an http(s) URL of a public host (no IP address of a private, loopback, link-local or metadata network, no local name, no credentials)"
	}
	return "is invalid (" + fe.Tag() + ")"
}
