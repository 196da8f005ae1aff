// Package ai holds the AI provider interface used by code generation (and,
// later, chat) and its providers. The offline provider needs no network.
package ai

import (
	"context"
	"errors"
)

// File is one generated source file.
type File struct {
	Path    string
	Content []byte
}

// GenerateRequest is what code generation needs.
type GenerateRequest struct {
	ProjectName, ProjectSlug   string
	TemplateName, TemplateSlug string
	Scaffold                   []File // the template's scaffold (text/template sources)
	Configuration              map[string]any
	Instructions               []string // accepted chat-derived instructions
}

// Generation is a provider's result.
type Generation struct {
	Files    []File
	Provider string
	Model    string
	Notes    string
}

// Provider generates an application's source files.
type Provider interface {
	Name() string
	Model() string
	GenerateSource(ctx context.Context, req GenerateRequest) (Generation, error)
}

// ErrInvalidInput marks input a retry cannot fix: a scaffold that does not
// parse or execute, a bad path. Callers make it non-retryable.
var ErrInvalidInput = errors.New("invalid generation input")
