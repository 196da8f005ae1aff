package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSON stores a Go value in a JSONB (Postgres) or TEXT (SQLite) column.
type JSON[T any] struct{ V T }

// NewJSON wraps v for a JSON column.
func NewJSON[T any](v T) JSON[T] { return JSON[T]{V: v} }

// Value encodes the value for the driver.
func (j JSON[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("encode json column: %w", err)
	}
	return string(b), nil
}

// Scan decodes a column value.
func (j *JSON[T]) Scan(src any) error {
	var zero T
	j.V = zero
	switch s := src.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(s, &j.V)
	case string:
		return json.Unmarshal([]byte(s), &j.V)
	default:
		return fmt.Errorf("scan json column: unsupported type %T", src)
	}
}
