package ai

import (
	"fmt"
	"regexp"
	"strings"
)

// The phrasings the offline chat acts on, matched case-insensitively after
// polite openings ("please", "can you") are dropped.
var (
	politeRe   = regexp.MustCompile(`(?i)^(?:(?:please|kindly|ok|okay|hi|hey|hello|can you|could you|would you|i want to|i'd like to|i would like to|let's|lets)[\s,]+)+`)
	appNameRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?:change|rename|set|update|make)\s+(?:the\s+|my\s+|our\s+)?(?:app|application|project)(?:'s)?\s+name\s+(?:(?:to|as)\s+|=\s*)(.+)$`),
		regexp.MustCompile(`(?i)^rename\s+(?:the\s+|my\s+|our\s+)?(?:app|application)\s+(?:(?:to|as)\s+)?(.+)$`),
		regexp.MustCompile(`(?i)^call\s+(?:the\s+|my\s+|our\s+)?(?:app|application)\s+(.+)$`),
	}
	colorRe     = regexp.MustCompile(`(?i)^(?:set|change|make|update|use)\s+(?:the\s+|my\s+|our\s+)?(?:primary|brand|main|theme)\s+colou?r\s+(?:(?:to|as)\s+|=\s*)?(.+)$`)
	addFieldRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^add\s+(?:(?:an?|another|one more|new|the)\s+)*(?:field|question)\s+(?:(?:called|named|for|labell?ed)\s+)?(.+)$`),
		regexp.MustCompile(`(?i)^add\s+(?:(?:an?|another|one more|new|the)\s+)*(.+?)\s+(?:field|question)$`),
	}
	removeFieldRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?:remove|delete|drop)\s+(?:the\s+)?(?:field|question)\s+(?:(?:called|named)\s+)?(.+)$`),
		regexp.MustCompile(`(?i)^(?:remove|delete|drop)\s+(?:the\s+)?(.+?)\s+(?:field|question)$`),
	}
	setRe    = regexp.MustCompile(`(?i)^(?:set|change|update|make)\s+(?:the\s+)?(.+?)\s+(?:to\s+|=\s*)(.+)$`)
	toggleRe = regexp.MustCompile(`(?i)^(enable|disable|turn on|turn off|switch on|switch off)\s+(?:the\s+)?(.+)$`)
	hexRe    = regexp.MustCompile(`^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$`)
)

// namedColors maps common colour names to #RRGGBB.
var namedColors = map[string]string{
	"black": "#000000", "white": "#FFFFFF", "red": "#DC2626", "orange": "#EA580C", "yellow": "#CA8A04",
	"green": "#16A34A", "teal": "#0F766E", "blue": "#2563EB", "navy": "#1E3A8A", "indigo": "#4F46E5",
	"purple": "#7C3AED", "pink": "#DB2777", "gray": "#4B5563", "grey": "#4B5563",
}

// act turns a message into a reply when it asks for something the offline
// chat understands; each line is tried on its own too.
func (c *offlineChat) act(msg string) (offlineReply, bool) {
	candidates := []string{msg}
	if lines := strings.Split(msg, "\n"); len(lines) > 1 {
		candidates = append(candidates, lines...)
	}
	for _, cand := range candidates {
		cand = strings.TrimRight(strings.TrimSpace(cand), ".!? \t")
		cand = politeRe.ReplaceAllString(cand, "")
		if cand == "" {
			continue
		}
		if r, ok := c.actOn(cand); ok {
			return r, true
		}
	}
	return offlineReply{}, false
}

func (c *offlineChat) actOn(s string) (offlineReply, bool) {
	if p, ok := c.schema.prop("appName"); ok {
		for _, re := range appNameRes {
			if m := re.FindStringSubmatch(s); m != nil {
				return c.set(p, cleanValue(m[1])), true
			}
		}
	}
	if p, ok := c.schema.prop("primaryColor"); ok {
		if m := colorRe.FindStringSubmatch(s); m != nil {
			return c.setColor(p, cleanValue(m[1])), true
		}
	}
	for _, re := range addFieldRes {
		if m := re.FindStringSubmatch(s); m != nil {
			return c.addField(cleanValue(m[1])), true
		}
	}
	for _, re := range removeFieldRes {
		if m := re.FindStringSubmatch(s); m != nil {
			return c.removeField(cleanValue(m[1])), true
		}
	}
	if m := toggleRe.FindStringSubmatch(s); m != nil {
		if p, ok := c.schema.prop(cleanValue(m[2])); ok && p.typ() == "boolean" {
			on := strings.HasSuffix(strings.ToLower(m[1]), "on") || strings.EqualFold(m[1], "enable")
			return c.set(p, fmt.Sprint(on)), true
		}
	}
	if m := setRe.FindStringSubmatch(s); m != nil && len(c.schema.props) > 0 {
		name := cleanValue(m[1])
		p, ok := c.schema.prop(name)
		if !ok {
			return offlineReply{text: fmt.Sprintf("%s has no setting called %q.", c.templateName(), name), guide: true}, true
		}
		return c.set(p, cleanValue(m[2])), true
	}
	return offlineReply{}, false
}

// set proposes p = raw, coerced to p's type, or explains why it cannot.
func (c *offlineChat) set(p schemaProp, raw string) offlineReply {
	v, problem := coerce(p, raw)
	if problem != "" {
		return offlineReply{text: fmt.Sprintf("I cannot set %s to %q: it %s.", p.title(), raw, problem)}
	}
	return offlineReply{
		patch:   map[string]any{p.key: v},
		summary: fmt.Sprintf("set %s to %s", p.title(), display(v)),
	}
}

func (c *offlineChat) setColor(p schemaProp, raw string) offlineReply {
	color := raw
	if hex, ok := namedColors[strings.ToLower(raw)]; ok {
		color = hex
	} else if hexRe.MatchString(raw) && len(raw) == 4 {
		color = "#" + strings.ToUpper(strings.Repeat(raw[1:2], 2)+strings.Repeat(raw[2:3], 2)+strings.Repeat(raw[3:4], 2))
	} else if !hexRe.MatchString(raw) {
		return offlineReply{text: fmt.Sprintf("I cannot use %q as %s: give it as #RRGGBB (for example #1D4ED8) or a simple colour name such as blue, teal or navy.",
			raw, p.title())}
	}
	return c.set(p, color)
}

// cleanValue trims spaces and surrounding quotes.
func cleanValue(s string) string {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{`"`, `"`}, {"'", "'"}, {"`", "`"}, {"“", "”"}, {"‘", "’"}} {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			return strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
		}
	}
	return s
}

func (c *offlineChat) templateName() string {
	if c.cc.TemplateName != "" {
		return "The " + c.cc.TemplateName + " template"
	}
	return "This project"
}
