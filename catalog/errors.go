package catalog

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrInvalidTemplate means a template's metadata or files break the catalog rules.
	ErrInvalidTemplate = errors.New("invalid template")
	// ErrInvalidSchema means a configuration schema is not a usable JSON Schema.
	ErrInvalidSchema = errors.New("invalid configuration schema")
)
