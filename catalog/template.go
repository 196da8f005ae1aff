// Package catalog is the built-in template catalog: industry application
// templates with their metadata, configuration JSON Schema and scaffold files,
// embedded in the binary. It also validates configurations against a
// template's schema, for the projects API and for user-submitted templates.
package catalog

import (
	"encoding/json"
	"slices"
)

// Template is one built-in catalog entry.
type Template struct {
	Slug        string          `json:"slug"`
	Name        string          `json:"name"`
	Industry    string          `json:"industry"`
	Category    string          `json:"category"`
	Description string          `json:"description"`
	Complexity  string          `json:"complexity"`
	Compliance  []string        `json:"compliance"`
	Features    []string        `json:"features"`
	ROI         ROI             `json:"roi"`
	Schema      json.RawMessage `json:"schema"`   // the configuration JSON Schema, as in schema.json
	Scaffold    []File          `json:"scaffold"` // sorted by Path
	Digest      string          `json:"digest"`   // hex sha256 over a canonical encoding of the fields above
}

// File is one scaffold file of a template; Path is slash-separated and
// relative to the scaffold root. Content is a Go template over
// {"Config": configuration, "Template": {"Name", "Slug"}, "Project": {"Name",
// "Slug"}}, rendered by internal/scaffold: HTML, JavaScript and CSS files with
// html/template's contextual escaping, within bounds.
type File struct {
	Path    string `json:"path"`
	Content []byte `json:"content"`
}

// ROI is the business case a template advertises in the catalog.
type ROI struct {
	TimeToValueWeeks     int    `json:"timeToValueWeeks"`
	CostReductionPercent int    `json:"costReductionPercent"`
	PaybackMonths        int    `json:"paybackMonths"`
	AnnualSavingsUSD     int    `json:"annualSavingsUsd"`
	Summary              string `json:"summary"`
}

// Industry names, as stored in templates and user profiles.
const (
	IndustryHealthcare = "healthcare"
	IndustryFinance    = "finance"
	IndustryEcommerce  = "ecommerce"
)

// Complexity levels of a template.
const (
	ComplexityLow    = "low"
	ComplexityMedium = "medium"
	ComplexityHigh   = "high"
)

// Industries returns the industries the catalog serves, in display order.
func Industries() []string {
	return []string{IndustryHealthcare, IndustryFinance, IndustryEcommerce}
}

// ComplianceTags returns the compliance tags a template may carry.
func ComplianceTags() []string {
	return []string{"HIPAA", "SOC2", "PCI-DSS", "GDPR", "ISO27001", "CCPA"}
}

// Complexities returns the allowed complexity levels, from simplest.
func Complexities() []string {
	return []string{ComplexityLow, ComplexityMedium, ComplexityHigh}
}

func isIndustry(s string) bool   { return slices.Contains(Industries(), s) }
func isCompliance(s string) bool { return slices.Contains(ComplianceTags(), s) }
func isComplexity(s string) bool { return slices.Contains(Complexities(), s) }
