package api

import (
	"errors"
	"fmt"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/models"
)

// schemaFor compiles a template's configuration schema once per content digest.
func (s *Server) schemaFor(t models.Template) (*catalog.Schema, error) {
	if v, found := s.schemas.Load(t.ContentDigest); found {
		return v.(*catalog.Schema), nil
	}
	sch, err := catalog.CompileSchema(t.ConfigSchema.V)
	if err != nil {
		return nil, fmt.Errorf("compile schema of template %s: %w", t.Slug, err)
	}
	s.schemas.Store(t.ContentDigest, sch)
	return sch, nil
}

// checkConfiguration fills the schema's defaults and validates the result;
// every violation is reported as configuration.<path> in a 422.
func (s *Server) checkConfiguration(t models.Template, cfg map[string]any) (map[string]any, error) {
	if cfg == nil {
		cfg = map[string]any{}
	}
	if jsonSize(cfg) > maxConfigurationBytes {
		return nil, invalid("invalid request", FieldError{Field: "configuration", Message: "must be at most 64 KiB of JSON"})
	}
	sch, err := s.schemaFor(t)
	if err != nil {
		return nil, err
	}
	filled := sch.ApplyDefaults(cfg)
	if errs := sch.Validate(filled); len(errs) > 0 {
		details := make([]FieldError, len(errs))
		for i, e := range errs {
			details[i] = FieldError{Field: "configuration." + e.Field, Message: e.Message}
		}
		return nil, unprocessable("configuration does not match the template's schema", details...)
	}
	return filled, nil
}

func isNotFound(err error) bool { return errors.Is(err, models.ErrNotFound) }
