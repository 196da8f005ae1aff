package catalog

import (
	"encoding/json"
)

// defaultNode is the part of a schema that ApplyDefaults reads: a default
// value and the properties of an object schema. $ref, combinators and
// conditionals are not followed; defaults there are left to the caller.
type defaultNode struct {
	hasDefault bool
	defaultRaw json.RawMessage
	properties map[string]*defaultNode
}

// parseDefaults reads the defaults tree of a schema, or nil for a boolean
// schema. It is called on documents that already compiled.
func parseDefaults(raw json.RawMessage) *defaultNode {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil
	}
	n := &defaultNode{}
	n.defaultRaw, n.hasDefault = obj["default"]
	var props map[string]json.RawMessage
	if err := json.Unmarshal(obj["properties"], &props); err == nil {
		n.properties = make(map[string]*defaultNode, len(props))
		for name, sub := range props {
			if child := parseDefaults(sub); child != nil {
				n.properties[name] = child
			}
		}
	}
	return n
}

// ApplyDefaults returns a copy of config in which every top-level property
// the schema declares with a default, and that config lacks, holds a fresh
// copy of that default. Inside object values (given or defaulted), missing
// properties with a default are filled the same way. Given values are kept
// as they are; config itself is not modified. Numbers in defaults are
// float64, as encoding/json produces them.
func (s *Schema) ApplyDefaults(config map[string]any) map[string]any {
	out := deepCopyMap(config)
	if s.defaults != nil {
		s.defaults.fill(out)
	}
	return out
}

func (n *defaultNode) fill(obj map[string]any) {
	for name, prop := range n.properties {
		v, ok := obj[name]
		if !ok && prop.hasDefault {
			var d any
			if err := json.Unmarshal(prop.defaultRaw, &d); err != nil {
				continue
			}
			v, ok = d, true
			obj[name] = v
		}
		if m, isObject := v.(map[string]any); ok && isObject {
			prop.fill(m)
		}
	}
}

// deepCopyMap copies the JSON shapes (objects and arrays) of m so that
// filling defaults never reaches into the caller's values. It never returns nil.
func deepCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return deepCopyMap(v)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = deepCopy(item)
		}
		return out
	case json.RawMessage:
		return append(json.RawMessage(nil), v...)
	default:
		return v
	}
}
