package ai

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// guidance explains what this template lets the user configure, suggests
// the next step for the session type, and shows phrasings the offline chat
// understands.
func (c *offlineChat) guidance() string {
	var b strings.Builder
	b.WriteString("(Offline assistant: no AI model is connected, so I work from your template's settings and understand the phrasings shown below.)\n\n")
	if len(c.schema.props) == 0 {
		c.noTemplateGuidance(&b)
		return b.String()
	}
	switch c.cc.SessionType {
	case "onboarding":
		fmt.Fprintf(&b, "Welcome! %s is set up from the %s template. Let's make it yours.\n\n", c.projectName(), c.cc.TemplateName)
	case "workflow_builder":
		fmt.Fprintf(&b, "Let's shape how %s works: what it asks, what it requires and how it behaves.\n\n", c.projectName())
	default:
		fmt.Fprintf(&b, "You are configuring %s, built from the %s template.\n\n", c.projectName(), c.cc.TemplateName)
	}
	b.WriteString("What you can configure:\n")
	for _, p := range c.schema.props {
		c.describeProp(&b, p)
	}
	if step := c.nextStep(); step != "" {
		b.WriteString("\nSuggested next step: " + step + "\n")
	}
	if ex := c.examples(); len(ex) > 0 {
		b.WriteString("\nYou can say, for example:\n")
		for _, e := range ex {
			b.WriteString("- \"" + e + "\"\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (c *offlineChat) noTemplateGuidance(b *strings.Builder) {
	if c.cc.SessionType == "onboarding" {
		b.WriteString("Welcome! To get started, pick a template from the catalog that fits your process " +
			"(for example patient intake, expense approvals or order tracking) and create a project from it. " +
			"Then open the project's configuration chat and I can help you name the app, choose its colours and adjust what it asks and does.")
		return
	}
	b.WriteString("This chat is not linked to a project with a template yet, so there is nothing I can configure here. " +
		"Create a project from a catalog template, then ask me from the project's configuration chat, for example \"change the app name to Riverside Clinic\".")
}

func (c *offlineChat) describeProp(b *strings.Builder, p schemaProp) {
	fmt.Fprintf(b, "- %s (%s)", p.title(), p.key)
	if d := p.str("description"); d != "" {
		b.WriteString(": " + strings.TrimSpace(d))
	}
	v, _ := p.value(c.cc.Configuration)
	if list, ok := v.([]any); ok && len(list) > 0 {
		if _, isFields := c.schema.fieldList(p); isFields {
			fmt.Fprintf(b, " Current: %s.", fieldLabels(list))
		} else {
			fmt.Fprintf(b, " Current: %s.", listText(list))
		}
	} else if p.typ() != "object" {
		fmt.Fprintf(b, " Current: %s.", display(v))
	}
	if enum := p.enum(); len(enum) > 0 {
		fmt.Fprintf(b, " Allowed: %s.", allowed(enum))
	}
	if items, ok := c.schema.fieldList(p); ok {
		if t, _ := items["type"].(map[string]any); t != nil {
			if enum, _ := t["enum"].([]any); len(enum) > 0 {
				fmt.Fprintf(b, " Field types: %s.", allowed(enum))
			}
		}
	}
	b.WriteString("\n")
}

func listText(list []any) string {
	parts := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			parts = append(parts, s)
		} else {
			return fmt.Sprintf("%d item(s)", len(list))
		}
	}
	return strings.Join(parts, ", ")
}

// nextStep suggests what to do next: naming and branding first when
// configuring, the form and behaviour first when building the workflow.
func (c *offlineChat) nextStep() string {
	steps := []func() string{c.stepName, c.stepColor, c.stepFields, c.stepChoice}
	if c.cc.SessionType == "workflow_builder" {
		steps = []func() string{c.stepFields, c.stepChoice, c.stepName, c.stepColor}
	}
	for _, step := range steps {
		if s := step(); s != "" {
			return s
		}
	}
	return "the configuration is in shape; review it once more and deploy the project when you are ready."
}

func (c *offlineChat) stepName() string {
	if p, ok := c.schema.prop("appName"); ok && c.isDefault(p) {
		return fmt.Sprintf("give the app its own name; it is still called %s.", display(mustValue(p, c.cc.Configuration)))
	}
	return ""
}

func (c *offlineChat) stepColor() string {
	if p, ok := c.schema.prop("primaryColor"); ok && c.isDefault(p) {
		return "match your brand colour; the app still uses the template's " + display(mustValue(p, c.cc.Configuration)) + "."
	}
	return ""
}

func (c *offlineChat) stepFields() string {
	if p, _, ok := c.fieldsProp(); ok {
		return fmt.Sprintf("review the %s: add what you need to ask and remove what you do not.", strings.ToLower(p.title()))
	}
	return ""
}

func (c *offlineChat) stepChoice() string {
	for _, p := range c.schema.props {
		if p.typ() == "boolean" || len(p.enum()) > 0 {
			return fmt.Sprintf("decide %s; it is currently %s.", p.title(), display(mustValue(p, c.cc.Configuration)))
		}
	}
	return ""
}

// isDefault reports whether p is unset or still has the template's default.
func (c *offlineChat) isDefault(p schemaProp) bool {
	v, set := c.cc.Configuration[p.key]
	return !set || reflect.DeepEqual(v, p.def["default"])
}

func mustValue(p schemaProp, cfg map[string]any) any { v, _ := p.value(cfg); return v }

// examples are phrasings the offline chat acts on, filled from this template.
func (c *offlineChat) examples() []string {
	var ex []string
	if p, ok := c.schema.prop("appName"); ok {
		name := c.cc.ProjectName
		if name == "" || name == mustValue(p, c.cc.Configuration) {
			name = "Northwind " + c.cc.TemplateName
		}
		ex = append(ex, "change the app name to "+name)
	}
	if p, ok := c.schema.prop("primaryColor"); ok {
		color := "#1D4ED8"
		if mustValue(p, c.cc.Configuration) == color {
			color = "#0F766E"
		}
		ex = append(ex, "set the primary color to "+color)
	}
	if p, _, ok := c.fieldsProp(); ok {
		fields := c.currentFields(p)
		labels := strings.Split(strings.ToLower(fieldLabels(fields)), ", ")
		for _, l := range []string{"Notes", "Comments", "Reference number"} {
			if !slices.Contains(labels, strings.ToLower(l)) {
				ex = append(ex, "add a field "+l)
				break
			}
		}
		if len(fields) > 0 {
			ex = append(ex, "remove the field "+fieldText(fields[len(fields)-1], "label"))
		}
	}
	for _, p := range c.schema.props {
		if v := c.exampleValue(p); v != "" {
			ex = append(ex, fmt.Sprintf("set %s to %s", p.title(), v))
			break
		}
	}
	return ex
}

// exampleValue is a value differing from the current one for a yes/no or
// choice setting, or "" for other kinds.
func (c *offlineChat) exampleValue(p schemaProp) string {
	cur := mustValue(p, c.cc.Configuration)
	if enum := p.enum(); len(enum) > 1 {
		for _, e := range enum {
			if !reflect.DeepEqual(e, cur) {
				return fmt.Sprint(e)
			}
		}
	}
	if p.typ() == "boolean" {
		if cur == true {
			return "no"
		}
		return "yes"
	}
	return ""
}

func (c *offlineChat) projectName() string {
	if c.cc.ProjectName != "" {
		return c.cc.ProjectName
	}
	return "your project"
}
