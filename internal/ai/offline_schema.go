package ai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// chatSchema is the part of a template's configuration schema the offline
// chat understands: its top-level properties in declaration order.
type chatSchema struct {
	root  map[string]any
	props []schemaProp
}

// schemaProp is one top-level property, with local $refs resolved.
type schemaProp struct {
	key string
	def map[string]any
}

func parseChatSchema(raw json.RawMessage) chatSchema {
	var root map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &root) != nil {
		return chatSchema{}
	}
	props, _ := root["properties"].(map[string]any)
	s := chatSchema{root: root}
	for _, key := range propertyOrder(raw, props) {
		if def, ok := resolveRef(root, props[key]).(map[string]any); ok {
			s.props = append(s.props, schemaProp{key: key, def: def})
		}
	}
	return s
}

// propertyOrder lists the keys of the schema's top-level "properties" as
// written (encoding/json maps lose the order); unknown order falls back to sorted.
func propertyOrder(raw json.RawMessage, props map[string]any) []string {
	var doc struct {
		Properties json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(raw, &doc) == nil && len(doc.Properties) > 0 {
		dec := json.NewDecoder(bytes.NewReader(doc.Properties))
		var keys []string
		if t, err := dec.Token(); err == nil && t == json.Delim('{') {
			for dec.More() {
				t, err := dec.Token()
				key, ok := t.(string)
				if err != nil || !ok {
					break
				}
				var skip json.RawMessage
				if dec.Decode(&skip) != nil {
					break
				}
				keys = append(keys, key)
			}
		}
		if len(keys) == len(props) {
			return keys
		}
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resolveRef follows local references ("#/$defs/x"), a few levels deep.
func resolveRef(root map[string]any, v any) any {
	for range 8 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#/") {
			return v
		}
		var cur any = root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			next, ok := cur.(map[string]any)
			if !ok {
				return v
			}
			cur = next[part]
		}
		v = cur
	}
	return v
}

// prop finds a property by key, title or spoken form of its key ("app name").
func (s chatSchema) prop(name string) (schemaProp, bool) {
	name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(name), "the ")))
	for _, p := range s.props {
		if name == strings.ToLower(p.key) || name == strings.ToLower(p.title()) || name == strings.ToLower(humanize(p.key)) {
			return p, true
		}
	}
	return schemaProp{}, false
}

func (p schemaProp) title() string {
	if t, _ := p.def["title"].(string); t != "" {
		return t
	}
	return humanize(p.key)
}

func (p schemaProp) str(key string) string { s, _ := p.def[key].(string); return s }

// typ is the property's JSON type (the first non-null one of a list).
func (p schemaProp) typ() string {
	switch t := p.def["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
	}
	if _, ok := p.def["enum"]; ok {
		return "string"
	}
	return ""
}

func (p schemaProp) enum() []any { e, _ := p.def["enum"].([]any); return e }

func (p schemaProp) num(key string) (float64, bool) { f, ok := p.def[key].(float64); return f, ok }

// value is the configured value, else the schema's default.
func (p schemaProp) value(cfg map[string]any) (any, bool) {
	if v, ok := cfg[p.key]; ok {
		return v, true
	}
	v, ok := p.def["default"]
	return v, ok
}

// fieldList reports whether p is a list of form fields (items with name,
// label and type) and, if so, the item schema's property names.
func (s chatSchema) fieldList(p schemaProp) (map[string]any, bool) {
	if p.typ() != "array" {
		return nil, false
	}
	items, _ := resolveRef(s.root, p.def["items"]).(map[string]any)
	props, _ := items["properties"].(map[string]any)
	for _, k := range []string{"name", "label", "type"} {
		if _, ok := props[k]; !ok {
			return nil, false
		}
	}
	return props, true
}

// humanize turns a key into words: "primaryColor" → "primary color".
func humanize(key string) string {
	var b strings.Builder
	for i, r := range key {
		switch {
		case r == '_' || r == '-':
			b.WriteRune(' ')
		case unicode.IsUpper(r) && i > 0:
			b.WriteRune(' ')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// lowerCamel makes a field key from a label: "Phone number" → "phoneNumber".
func lowerCamel(label string) string {
	words := strings.FieldsFunc(label, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var b strings.Builder
	for _, w := range words {
		w = strings.ToLower(w)
		if b.Len() == 0 {
			w = strings.TrimLeftFunc(w, unicode.IsDigit)
			b.WriteString(w)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	s := b.String()
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

// display renders a configuration value for a sentence.
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return "not set"
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		if r := []rune(x); len(r) > 60 {
			x = string(r[:57]) + "…"
		}
		return fmt.Sprintf("%q", x)
	case []any:
		return fmt.Sprintf("%d item(s)", len(x))
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
