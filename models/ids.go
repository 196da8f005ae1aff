package models

import "github.com/google/uuid"

// isUUID reports whether v is a canonical UUID string.
func isUUID(v string) bool {
	_, err := uuid.Parse(v)
	return err == nil && len(v) == 36
}

// newID returns a time-ordered UUID (v7), so ids sort by creation.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
