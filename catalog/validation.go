package catalog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// FieldError is one problem with a configuration. Field is a dotted path such
// as "appName" or "fields.0.name" ("" for the configuration as a whole); for
// a missing required or an unknown property it is that property's own path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String renders the error as "field: message".
func (e FieldError) String() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Validate checks a configuration (as decoded by encoding/json) against the
// schema. It returns nil when the configuration is valid, otherwise one entry
// per failing leaf, sorted by Field then Message. A nil config is treated as {}.
func (s *Schema) Validate(config map[string]any) []FieldError {
	instance, err := toInstance(config)
	if err != nil {
		return []FieldError{{Message: "is not representable as JSON"}}
	}
	err = s.compiled.Validate(instance)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return []FieldError{{Message: "could not be validated"}}
	}
	var out []FieldError
	collectLeaves(verr, &out)
	slices.SortFunc(out, func(a, b FieldError) int {
		return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}

// toInstance converts encoding/json values (float64 numbers) into the shape
// the validator expects (json.Number), so integers and bounds compare exactly.
func toInstance(config map[string]any) (any, error) {
	if config == nil {
		config = map[string]any{}
	}
	b, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	return v, nil
}

func collectLeaves(e *jsonschema.ValidationError, out *[]FieldError) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectLeaves(c, out)
		}
		return
	}
	at := e.InstanceLocation
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			*out = append(*out, FieldError{fieldPath(at, name), "is required"})
		}
	case *kind.DependentRequired:
		for _, name := range k.Missing {
			*out = append(*out, FieldError{fieldPath(at, name), fmt.Sprintf("is required when %s is set", k.Prop)})
		}
	case *kind.Dependency:
		for _, name := range k.Missing {
			*out = append(*out, FieldError{fieldPath(at, name), fmt.Sprintf("is required when %s is set", k.Prop)})
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			*out = append(*out, FieldError{fieldPath(at, name), "unknown field"})
		}
	default:
		*out = append(*out, FieldError{fieldPath(at), describe(e.ErrorKind)})
	}
}

func fieldPath(location []string, more ...string) string {
	return strings.Join(append(slices.Clone(location), more...), ".")
}

// describe turns an error kind into a short message meant for the person
// filling in the form; kinds without a message of our own fall back to the
// library's English text.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return "must be " + typeNames(k.Want)
	case *kind.Enum:
		return "must be one of " + displayValues(k.Want)
	case *kind.Const:
		return "must be " + displayValues([]any{k.Want})
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %s", plural(k.Want, "character"))
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %s", plural(k.Want, "character"))
	case *kind.Pattern:
		return fmt.Sprintf("must match the pattern %s", k.Want)
	case *kind.Format:
		return "must be a valid " + k.Want
	case *kind.Minimum:
		return "must be at least " + ratString(k.Want)
	case *kind.Maximum:
		return "must be at most " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be greater than " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be less than " + ratString(k.Want)
	case *kind.MultipleOf:
		return "must be a multiple of " + ratString(k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %s", plural(k.Want, "item"))
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %s", plural(k.Want, "item"))
	case *kind.UniqueItems:
		return fmt.Sprintf("must not contain duplicates (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %s", plural(k.Want, "field"))
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %s", plural(k.Want, "field"))
	case *kind.FalseSchema:
		return "is not allowed"
	}
	return k.LocalizedString(message.NewPrinter(language.English))
}

func typeNames(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		switch t {
		case "null":
			names[i] = "null"
		case "array", "integer", "object":
			names[i] = "an " + t
		default:
			names[i] = "a " + t
		}
	}
	return strings.Join(names, " or ")
}

func displayValues(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func joinFieldErrors(errs []FieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.String()
	}
	return strings.Join(parts, "; ")
}
