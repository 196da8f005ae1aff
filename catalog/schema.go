package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL names the schema resource inside its private compiler.
const schemaURL = "urn:forgeai:catalog:config-schema"

// Schema is a compiled configuration JSON Schema (draft 2020-12 unless the
// document's $schema says otherwise). It is immutable and safe for concurrent use.
type Schema struct {
	raw      json.RawMessage
	compiled *jsonschema.Schema
	defaults *defaultNode
}

// CompileSchema compiles a configuration schema. It fails with
// ErrInvalidSchema when raw is not JSON, not a valid JSON Schema, references
// an external document, or its root is not "type": "object".
func CompileSchema(raw json.RawMessage) (*Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("compile schema: %w: %w", ErrInvalidSchema, err)
	}
	root, ok := doc.(map[string]any)
	if !ok || root["type"] != "object" {
		return nil, fmt.Errorf("compile schema: root must have \"type\": \"object\": %w", ErrInvalidSchema)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// No loader: a schema (possibly user-submitted) must never make the
	// platform read local files or fetch URLs through $ref.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("compile schema: %w: %w", ErrInvalidSchema, err)
	}
	compiled, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile schema: %w: %w", ErrInvalidSchema, err)
	}
	return &Schema{
		raw:      slices.Clone(raw),
		compiled: compiled,
		defaults: parseDefaults(raw),
	}, nil
}

// Raw returns the schema document as given to CompileSchema.
func (s *Schema) Raw() json.RawMessage {
	return slices.Clone(s.raw)
}
