package ai

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fieldsProp is the template's list of form fields: the property "fields",
// else the first list whose items have a name, label and type.
func (c *offlineChat) fieldsProp() (schemaProp, map[string]any, bool) {
	var found *schemaProp
	var items map[string]any
	for i, p := range c.schema.props {
		if it, ok := c.schema.fieldList(p); ok && (found == nil || p.key == "fields") {
			found, items = &c.schema.props[i], it
		}
	}
	if found == nil {
		return schemaProp{}, nil, false
	}
	return *found, items, true
}

// currentFields copies the configured (else default) fields.
func (c *offlineChat) currentFields(p schemaProp) []any {
	v, _ := p.value(c.cc.Configuration)
	list, _ := v.([]any)
	return append([]any(nil), list...)
}

func fieldText(f any, key string) string {
	m, _ := f.(map[string]any)
	s, _ := m[key].(string)
	return s
}

func (c *offlineChat) addField(label string) offlineReply {
	p, items, ok := c.fieldsProp()
	if !ok {
		return offlineReply{text: fmt.Sprintf("%s has no list of form fields to add %q to.", c.templateName(), label), guide: true}
	}
	name := lowerCamel(label)
	if name == "" {
		return offlineReply{text: fmt.Sprintf("I need a label with letters in it to add a field, for example \"add a field Allergies\"; %q has none.", label)}
	}
	fields := c.currentFields(p)
	for _, f := range fields {
		if strings.EqualFold(fieldText(f, "name"), name) || strings.EqualFold(fieldText(f, "label"), label) {
			return offlineReply{text: fmt.Sprintf("%s already has the field %q (%s).", p.title(), fieldText(f, "label"), fieldText(f, "name"))}
		}
	}
	if maxItems, ok := p.num("maxItems"); ok && float64(len(fields)) >= maxItems {
		return offlineReply{text: fmt.Sprintf("%s already holds the most fields allowed (%d); remove one first.", p.title(), int(maxItems))}
	}
	field := map[string]any{"name": name, "label": label, "type": "text"}
	if _, ok := items["required"]; ok {
		field["required"] = false
	}
	return offlineReply{
		patch:   map[string]any{p.key: append(fields, field)},
		summary: fmt.Sprintf("add the field %q (key %s, text, optional) to %s", label, name, p.title()),
	}
}

func (c *offlineChat) removeField(label string) offlineReply {
	p, _, ok := c.fieldsProp()
	if !ok {
		return offlineReply{text: fmt.Sprintf("%s has no list of form fields to remove %q from.", c.templateName(), label), guide: true}
	}
	fields := c.currentFields(p)
	for i, f := range fields {
		name, lbl := fieldText(f, "name"), fieldText(f, "label")
		if !strings.EqualFold(name, label) && !strings.EqualFold(lbl, label) && !strings.EqualFold(name, lowerCamel(label)) {
			continue
		}
		if minItems, ok := p.num("minItems"); ok && float64(len(fields)-1) < minItems {
			return offlineReply{text: fmt.Sprintf("%s needs at least %d field(s), so %q cannot be removed.", p.title(), int(minItems), lbl)}
		}
		return offlineReply{
			patch:   map[string]any{p.key: append(fields[:i:i], fields[i+1:]...)},
			summary: fmt.Sprintf("remove the field %q (%s) from %s", lbl, name, p.title()),
		}
	}
	return offlineReply{text: fmt.Sprintf("%s has no field %q. Its fields are: %s.", p.title(), label, fieldLabels(fields))}
}

func fieldLabels(fields []any) string {
	labels := make([]string, 0, len(fields))
	for _, f := range fields {
		labels = append(labels, fieldText(f, "label"))
	}
	if len(labels) == 0 {
		return "none yet"
	}
	return strings.Join(labels, ", ")
}

// coerce converts raw to p's type, or says what is wrong with it.
func coerce(p schemaProp, raw string) (any, string) {
	if enum := p.enum(); len(enum) > 0 {
		for _, e := range enum {
			if strings.EqualFold(fmt.Sprint(e), raw) {
				return e, ""
			}
		}
		return nil, "must be one of " + allowed(enum)
	}
	switch p.typ() {
	case "boolean":
		switch strings.ToLower(raw) {
		case "true", "yes", "on", "enabled", "enable", "required", "1":
			return true, ""
		case "false", "no", "off", "disabled", "disable", "not required", "0":
			return false, ""
		}
		return nil, "is a yes/no setting"
	case "integer", "number":
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, "must be a number"
		}
		if p.typ() == "integer" && f != math.Trunc(f) {
			return nil, "must be a whole number"
		}
		if lo, ok := p.num("minimum"); ok && f < lo {
			return nil, fmt.Sprintf("must be at least %v", lo)
		}
		if hi, ok := p.num("maximum"); ok && f > hi {
			return nil, fmt.Sprintf("must be at most %v", hi)
		}
		if p.typ() == "integer" {
			return int64(f), ""
		}
		return f, ""
	case "string":
		n := utf8.RuneCountInString(raw)
		if lo, ok := p.num("minLength"); ok && float64(n) < lo {
			return nil, fmt.Sprintf("needs at least %d character(s)", int(lo))
		}
		if hi, ok := p.num("maxLength"); ok && float64(n) > hi {
			return nil, fmt.Sprintf("allows at most %d characters", int(hi))
		}
		if pat := p.str("pattern"); pat != "" {
			if re, err := regexp.Compile(pat); err == nil && !re.MatchString(raw) {
				return nil, "does not have the required format (" + pat + ")"
			}
		}
		return raw, ""
	case "array":
		return nil, "is a list; change its items one at a time (for example \"add a field …\")"
	default:
		return nil, "cannot be set from a chat message"
	}
}

func allowed(enum []any) string {
	vals := make([]string, len(enum))
	for i, e := range enum {
		vals[i] = fmt.Sprint(e)
	}
	return strings.Join(vals, ", ")
}
