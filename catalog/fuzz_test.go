package catalog_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/forgeai/platform/catalog"
)

// FuzzConfiguration validates arbitrary configurations against the built-in
// schemas and arbitrary (user-submittable) schemas: compiling fails only
// with ErrInvalidSchema, nothing panics, every problem has a message,
// validation is deterministic, and defaults fill only what is missing
// without touching the caller's map.
func FuzzConfiguration(f *testing.F) {
	templates, err := catalog.Load()
	if err != nil {
		f.Fatal(err)
	}
	builtin := make([]*catalog.Schema, len(templates))
	for i, tpl := range templates {
		if builtin[i], err = catalog.CompileSchema(tpl.Schema); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(nil), []byte(`{"appName": "Clinic"}`), uint8(i))
	}
	f.Add([]byte(nil), []byte(`{"appName": "", "primaryColor": "red", "fields": [{"name": "1x"}], "extra": true}`), uint8(0))
	f.Add([]byte(nil), []byte(`{"appName": null, "fields": null}`), uint8(1))
	f.Add([]byte(`{"type":"object","properties":{"n":{"type":"integer","minimum":1,"default":2}}}`), []byte(`{"n": 1.5}`), uint8(0))
	f.Add([]byte(`{"type":"object","properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"type":"string","pattern":"^[a-z]+$"}}}`), []byte(`{"a": "ABC"}`), uint8(0))
	f.Add([]byte(`{"type":"object","$ref":"https://example.com/schema.json"}`), []byte(`{}`), uint8(0))
	f.Add([]byte(`{"type":"object","properties":{"a":{"default":{"b":1},"properties":{"b":{"default":2}}}}}`), []byte(`{"a": {}}`), uint8(0))
	f.Add([]byte(`{"type":"object","required":["x"],"dependentRequired":{"x":["y"]},"additionalProperties":false}`), []byte(`{"x": 1, "z": 2}`), uint8(0))
	f.Fuzz(func(t *testing.T, rawSchema, rawConfig []byte, which uint8) {
		s := builtin[int(which)%len(builtin)]
		if len(rawSchema) > 0 {
			compiled, err := catalog.CompileSchema(rawSchema)
			if err != nil {
				if !errors.Is(err, catalog.ErrInvalidSchema) {
					t.Fatalf("CompileSchema(%q): %v is not ErrInvalidSchema", rawSchema, err)
				}
				return
			}
			s = compiled
		}
		var config map[string]any
		if json.Unmarshal(rawConfig, &config) != nil {
			return
		}
		first := s.Validate(config)
		for _, e := range first {
			if e.Message == "" {
				t.Fatalf("problem without a message: %+v", e)
			}
		}
		if again := s.Validate(config); !reflect.DeepEqual(first, again) {
			t.Fatalf("validation is not deterministic: %v then %v", first, again)
		}
		snapshot := clone(config)
		filled := s.ApplyDefaults(config)
		if !reflect.DeepEqual(config, snapshot) {
			t.Fatalf("ApplyDefaults changed its input: %v, was %v", config, snapshot)
		}
		for k, v := range config {
			if _, isObject := v.(map[string]any); !isObject && !reflect.DeepEqual(filled[k], v) {
				t.Fatalf("ApplyDefaults changed %q from %v to %v", k, v, filled[k])
			}
		}
		_ = s.Validate(filled)
	})
}

func clone(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
