package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

//go:embed templates base
var builtin embed.FS

// Names of the files that make up a template directory.
const (
	metadataFile = "template.json"
	schemaFile   = "schema.json"
	scaffoldDir  = "scaffold"
	scaffoldRoot = "index.html"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// metadata is the shape of template.json.
type metadata struct {
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Industry    string   `json:"industry"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Complexity  string   `json:"complexity"`
	Compliance  []string `json:"compliance"`
	Features    []string `json:"features"`
	ROI         ROI      `json:"roi"`
}

// Load reads the embedded built-in catalog, validates every entry and returns
// the templates sorted by slug.
func Load() ([]Template, error) {
	sub, err := fs.Sub(builtin, "templates")
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	base, err := fs.Sub(builtin, "base")
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	shared, err := readScaffold(base, ".", "")
	if err != nil {
		return nil, fmt.Errorf("load catalog: shared files: %w", err)
	}
	return loadFS(sub, shared)
}

// LoadFS reads a catalog laid out like the built-in one: one directory per
// slug at the root of fsys, each holding template.json, schema.json and a
// scaffold/ tree. Files at the root are ignored. Every entry is validated
// (industry, compliance tags, schema compiles, defaults valid, scaffold
// present); a failing entry fails the whole load with ErrInvalidTemplate or
// ErrInvalidSchema. The result is sorted by slug.
func LoadFS(fsys fs.FS) ([]Template, error) { return loadFS(fsys, nil) }

// loadFS loads the catalog, adding the shared files (the built-in base.css)
// to every scaffold.
func loadFS(fsys fs.FS, shared []File) ([]Template, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	var templates []Template
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t, err := loadTemplate(fsys, e.Name(), shared)
		if err != nil {
			return nil, fmt.Errorf("load catalog: template %q: %w", e.Name(), err)
		}
		templates = append(templates, t)
	}
	slices.SortFunc(templates, func(a, b Template) int { return strings.Compare(a.Slug, b.Slug) })
	return templates, nil
}

func loadTemplate(fsys fs.FS, dir string, shared []File) (Template, error) {
	meta, err := readMetadata(fsys, dir)
	if err != nil {
		return Template{}, err
	}
	if err := meta.check(dir); err != nil {
		return Template{}, err
	}
	rawSchema, err := fs.ReadFile(fsys, path.Join(dir, schemaFile))
	if err != nil {
		return Template{}, fmt.Errorf("read %s: %w: %w", schemaFile, ErrInvalidTemplate, err)
	}
	if err := checkSchema(rawSchema); err != nil {
		return Template{}, err
	}
	scaffold, err := readScaffold(fsys, path.Join(dir, scaffoldDir), scaffoldRoot)
	if err != nil {
		return Template{}, err
	}
	for _, f := range shared {
		if slices.ContainsFunc(scaffold, func(own File) bool { return own.Path == f.Path }) {
			return Template{}, fmt.Errorf("%s/%s would hide the shared file of that name: %w", scaffoldDir, f.Path, ErrInvalidTemplate)
		}
		scaffold = append(scaffold, f)
	}
	slices.SortFunc(scaffold, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	t := Template{
		Slug:        meta.Slug,
		Name:        meta.Name,
		Industry:    meta.Industry,
		Category:    meta.Category,
		Description: meta.Description,
		Complexity:  meta.Complexity,
		Compliance:  meta.Compliance,
		Features:    meta.Features,
		ROI:         meta.ROI,
		Schema:      json.RawMessage(rawSchema),
		Scaffold:    scaffold,
	}
	t.Digest = digest(&t)
	return t, nil
}

func readMetadata(fsys fs.FS, dir string) (metadata, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, metadataFile))
	if err != nil {
		return metadata{}, fmt.Errorf("read %s: %w: %w", metadataFile, ErrInvalidTemplate, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m metadata
	if err := dec.Decode(&m); err != nil {
		return metadata{}, fmt.Errorf("decode %s: %w: %w", metadataFile, ErrInvalidTemplate, err)
	}
	return m, nil
}

// check reports every rule the metadata breaks, each wrapping ErrInvalidTemplate.
func (m metadata) check(dir string) error {
	var problems []error
	fail := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: %s: %w", metadataFile, fmt.Sprintf(format, args...), ErrInvalidTemplate))
	}
	if !slugPattern.MatchString(m.Slug) || m.Slug != dir {
		fail("slug %q must be lowercase-kebab-case and equal the directory name %q", m.Slug, dir)
	}
	for _, f := range []struct{ name, value string }{
		{"name", m.Name}, {"category", m.Category}, {"description", m.Description}, {"roi.summary", m.ROI.Summary},
	} {
		if strings.TrimSpace(f.value) == "" {
			fail("%s is empty", f.name)
		}
	}
	if !isIndustry(m.Industry) {
		fail("unknown industry %q (want one of %s)", m.Industry, strings.Join(Industries(), ", "))
	}
	if !isComplexity(m.Complexity) {
		fail("unknown complexity %q (want one of %s)", m.Complexity, strings.Join(Complexities(), ", "))
	}
	if len(m.Compliance) == 0 {
		fail("no compliance tags")
	}
	for i, tag := range m.Compliance {
		if !isCompliance(tag) {
			fail("unknown compliance tag %q (want one of %s)", tag, strings.Join(ComplianceTags(), ", "))
		} else if slices.Contains(m.Compliance[:i], tag) {
			fail("duplicate compliance tag %q", tag)
		}
	}
	if n := len(m.Features); n < 3 || n > 6 {
		fail("has %d features, want 3 to 6", n)
	}
	r := m.ROI
	if r.TimeToValueWeeks <= 0 || r.PaybackMonths <= 0 || r.AnnualSavingsUSD < 0 || r.CostReductionPercent < 0 || r.CostReductionPercent > 100 {
		fail("roi figures out of range")
	}
	return errors.Join(problems...)
}

// checkSchema compiles the schema and validates its own defaults against it,
// so every built-in template can be configured with no input but a name.
func checkSchema(raw []byte) error {
	s, err := CompileSchema(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", schemaFile, err)
	}
	if errs := s.Validate(s.ApplyDefaults(nil)); errs != nil {
		return fmt.Errorf("%s: defaults do not validate: %s: %w", schemaFile, joinFieldErrors(errs), ErrInvalidSchema)
	}
	return nil
}

// readScaffold reads every file under root; required, when set, must be among them.
func readScaffold(fsys fs.FS, root, required string) ([]File, error) {
	var files []File
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		content, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		if !utf8.Valid(content) {
			return fmt.Errorf("%s is not UTF-8 text", rel)
		}
		files = append(files, File{Path: rel, Content: content})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w: %w", scaffoldDir, ErrInvalidTemplate, err)
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	if required != "" && !slices.ContainsFunc(files, func(f File) bool { return f.Path == required }) {
		return nil, fmt.Errorf("%s has no %s: %w", scaffoldDir, required, ErrInvalidTemplate)
	}
	return files, nil
}
