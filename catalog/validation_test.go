package catalog_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
)

// testSchema exercises every kind of rule a catalog schema uses.
const testSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["appName"],
  "properties": {
    "appName": {"type": "string", "minLength": 1, "maxLength": 80, "default": "Demo"},
    "primaryColor": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$", "default": "#123456"},
    "maxAmount": {"type": "number", "minimum": 1, "maximum": 1000, "default": 100},
    "retries": {"type": "integer", "minimum": 0, "maximum": 5},
    "enableReminders": {"type": "boolean", "default": true},
    "currency": {"type": "string", "enum": ["USD", "EUR"], "default": "USD"},
    "contactEmail": {"type": "string", "format": "email"},
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 3},
    "hours": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "open": {"type": "string", "default": "08:00"},
        "close": {"type": "string", "default": "17:00"}
      },
      "default": {}
    },
    "fields": {
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "type"],
        "properties": {
          "name": {"type": "string"},
          "type": {"enum": ["text", "email"]},
          "required": {"type": "boolean", "default": false}
        }
      },
      "default": [{"name": "email", "type": "email"}]
    }
  }
}`

// compile compiles a schema that must be valid.
func compile(t *testing.T, raw string) *catalog.Schema {
	t.Helper()
	s, err := catalog.CompileSchema(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("CompileSchema: %v", err)
	}
	return s
}

// decode turns a JSON object into the shape the API hands to Validate.
func decode(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	return m
}

func TestValidate(t *testing.T) {
	s := compile(t, testSchema)
	tests := []struct {
		name   string
		config string
		want   []catalog.FieldError
	}{
		{"minimal", `{"appName": "Clinic"}`, nil},
		{"full", `{"appName": "Clinic", "primaryColor": "#a1B2c3", "maxAmount": 999.5, "retries": 3, "enableReminders": false,
			"currency": "EUR", "contactEmail": "ops@example.com", "tags": ["a", "b"], "hours": {"open": "09:00"},
			"fields": [{"name": "n", "type": "text", "required": true}]}`, nil},
		{"whole float is an integer", `{"appName": "A", "retries": 5.0}`, nil},
		{"missing required", `{}`, []catalog.FieldError{{"appName", "is required"}}},
		{"wrong type", `{"appName": 42}`, []catalog.FieldError{{"appName", "must be a string"}}},
		{"too long", `{"appName": "` + strings.Repeat("x", 81) + `"}`, []catalog.FieldError{{"appName", "must be at most 80 characters"}}},
		{"empty", `{"appName": ""}`, []catalog.FieldError{{"appName", "must not be empty"}}},
		{"bad color", `{"appName": "A", "primaryColor": "red"}`, []catalog.FieldError{{"primaryColor", "must match the pattern ^#[0-9a-fA-F]{6}$"}}},
		{"unknown field", `{"appName": "A", "colour": "#000000"}`, []catalog.FieldError{{"colour", "unknown field"}}},
		{"not an integer", `{"appName": "A", "retries": 2.5}`, []catalog.FieldError{{"retries", "must be an integer"}}},
		{"below minimum", `{"appName": "A", "maxAmount": 0.5}`, []catalog.FieldError{{"maxAmount", "must be at least 1"}}},
		{"above maximum", `{"appName": "A", "maxAmount": 1000.01}`, []catalog.FieldError{{"maxAmount", "must be at most 1000"}}},
		{"enum", `{"appName": "A", "currency": "BTC"}`, []catalog.FieldError{{"currency", `must be one of "USD", "EUR"`}}},
		{"format", `{"appName": "A", "contactEmail": "nobody"}`, []catalog.FieldError{{"contactEmail", "must be a valid email"}}},
		{"too many items", `{"appName": "A", "tags": ["a", "b", "c", "d"]}`, []catalog.FieldError{{"tags", "must have at most 3 items"}}},
		{"duplicate items", `{"appName": "A", "tags": ["a", "a"]}`, []catalog.FieldError{{"tags", "must not contain duplicates (items 0 and 1 are equal)"}}},
		{"nested unknown field", `{"appName": "A", "hours": {"opens": "9"}}`, []catalog.FieldError{{"hours.opens", "unknown field"}}},
		{"array item enum", `{"appName": "A", "fields": [{"name": "n", "type": "phone"}]}`,
			[]catalog.FieldError{{"fields.0.type", `must be one of "text", "email"`}}},
		{"array item missing required", `{"appName": "A", "fields": [{"name": "n", "type": "text"}, {"type": "text"}]}`,
			[]catalog.FieldError{{"fields.1.name", "is required"}}},
		{"several errors sorted by field", `{"primaryColor": 1, "zeta": true, "fields": [{"name": 2, "type": "text", "extra": 1}]}`,
			[]catalog.FieldError{
				{"appName", "is required"},
				{"fields.0.extra", "unknown field"},
				{"fields.0.name", "must be a string"},
				{"primaryColor", "must be a string"},
				{"zeta", "unknown field"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Validate(decode(t, tt.config))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate(%s)\n got %v\nwant %v", tt.config, got, tt.want)
			}
		})
	}
}

func TestValidateNilConfig(t *testing.T) {
	s := compile(t, testSchema)
	want := []catalog.FieldError{{"appName", "is required"}}
	if got := s.Validate(nil); !reflect.DeepEqual(got, want) {
		t.Errorf("Validate(nil) = %v, want %v", got, want)
	}
}

func TestValidateGoValues(t *testing.T) {
	s := compile(t, testSchema)
	// Values built in Go rather than decoded from JSON validate the same way.
	config := map[string]any{"appName": "A", "retries": 3, "maxAmount": float32(12.5), "fields": []any{map[string]any{"name": "n", "type": "text"}}}
	if got := s.Validate(config); got != nil {
		t.Errorf("Validate = %v, want nil", got)
	}
}

func TestFieldErrorJSON(t *testing.T) {
	b, err := json.Marshal(catalog.FieldError{Field: "fields.0.name", Message: "is required"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"field":"fields.0.name","message":"is required"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}

func TestCompileSchemaRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
	}{
		{"not JSON", `{"type": "object"`},
		{"trailing data", `{"type": "object"} {}`},
		{"array root", `{"type": "array"}`},
		{"no type", `{"properties": {}}`},
		{"boolean schema", `true`},
		{"unknown type name", `{"type": "object", "properties": {"a": {"type": "strin"}}}`},
		{"bad keyword value", `{"type": "object", "properties": {"a": {"type": "string", "maxLength": -1}}}`},
		{"bad pattern", `{"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}`},
		{"local file reference", `{"type": "object", "properties": {"a": {"$ref": "file:///etc/passwd"}}}`},
		{"remote reference", `{"type": "object", "properties": {"a": {"$ref": "https://example.com/schema.json"}}}`},
		{"dangling local reference", `{"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.CompileSchema(json.RawMessage(tt.raw))
			if !errors.Is(err, catalog.ErrInvalidSchema) {
				t.Errorf("CompileSchema(%s) error = %v, want ErrInvalidSchema", tt.raw, err)
			}
		})
	}
}

func TestSchemaRaw(t *testing.T) {
	raw := json.RawMessage(testSchema)
	s := compile(t, testSchema)
	got := s.Raw()
	if string(got) != testSchema {
		t.Fatal("Raw() differs from the compiled document")
	}
	got[0] = 'X'
	if string(s.Raw()) != string(raw) {
		t.Error("Raw() shares its bytes with callers")
	}
}
