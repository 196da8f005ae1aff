package catalog_test

import (
	"reflect"
	"testing"
)

func TestApplyDefaults(t *testing.T) {
	s := compile(t, testSchema)
	allDefaults := map[string]any{
		"appName":         "Demo",
		"primaryColor":    "#123456",
		"maxAmount":       100.0,
		"enableReminders": true,
		"currency":        "USD",
		"hours":           map[string]any{"open": "08:00", "close": "17:00"},
		"fields":          []any{map[string]any{"name": "email", "type": "email"}},
	}
	tests := []struct {
		name   string
		config string
		want   map[string]any
	}{
		{"empty gets every default", `{}`, allDefaults},
		{"given values are kept", `{"appName": "Clinic", "maxAmount": 5, "enableReminders": false, "currency": "EUR", "retries": 2, "fields": []}`,
			map[string]any{
				"appName": "Clinic", "primaryColor": "#123456", "maxAmount": 5.0, "enableReminders": false, "currency": "EUR",
				"retries": 2.0, "hours": map[string]any{"open": "08:00", "close": "17:00"}, "fields": []any{},
			}},
		{"nested object is completed", `{"hours": {"open": "09:30"}}`,
			merge(allDefaults, map[string]any{"hours": map[string]any{"open": "09:30", "close": "17:00"}})},
		{"array items are kept as given", `{"fields": [{"name": "n", "type": "text"}]}`,
			merge(allDefaults, map[string]any{"fields": []any{map[string]any{"name": "n", "type": "text"}}})},
		{"invalid values are left for Validate", `{"hours": "always", "appName": 3}`,
			merge(allDefaults, map[string]any{"hours": "always", "appName": 3.0})},
		{"unknown fields are kept", `{"extra": 1}`, merge(allDefaults, map[string]any{"extra": 1.0})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := decode(t, tt.config)
			before := decode(t, tt.config)
			got := s.ApplyDefaults(config)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ApplyDefaults(%s)\n got %v\nwant %v", tt.config, got, tt.want)
			}
			if !reflect.DeepEqual(config, before) {
				t.Errorf("ApplyDefaults modified its input: %v, was %v", config, before)
			}
		})
	}
}

func TestApplyDefaultsReturnsFreshValues(t *testing.T) {
	s := compile(t, testSchema)
	first := s.ApplyDefaults(nil)
	first["hours"].(map[string]any)["open"] = "00:00"
	first["fields"].([]any)[0] = "changed"
	second := s.ApplyDefaults(nil)
	if second["hours"].(map[string]any)["open"] != "08:00" || second["fields"].([]any)[0] == "changed" {
		t.Error("defaults returned by one call are shared with the next")
	}

	given := map[string]any{"hours": map[string]any{"open": "10:00"}}
	out := s.ApplyDefaults(given)
	out["hours"].(map[string]any)["open"] = "11:00"
	if given["hours"].(map[string]any)["open"] != "10:00" {
		t.Error("the result shares a nested object with the input")
	}
}

// merge returns a copy of base with the keys of over replaced.
func merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
