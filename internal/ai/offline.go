package ai

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"text/template"
)

// Offline renders the template's scaffold with the project's configuration:
// deterministic (same request, byte-identical files), no network.
type Offline struct{}

// NewOffline returns the offline provider.
func NewOffline() *Offline { return &Offline{} }

// Name identifies the provider.
func (*Offline) Name() string { return "offline" }

// Model is "offline": no model is involved.
func (*Offline) Model() string { return "offline" }

// GenerateSource executes each scaffold file as a text/template over the
// configuration and adds platform.json describing the generation.
func (o *Offline) GenerateSource(ctx context.Context, req GenerateRequest) (Generation, error) {
	data := map[string]any{
		"Config":   req.Configuration,
		"Template": map[string]any{"Name": req.TemplateName, "Slug": req.TemplateSlug},
		"Project":  map[string]any{"Name": req.ProjectName, "Slug": req.ProjectSlug},
	}
	files := make([]File, 0, len(req.Scaffold)+1)
	for _, f := range req.Scaffold {
		if err := ctx.Err(); err != nil {
			return Generation{}, err
		}
		if f.Path == "platform.json" {
			return Generation{}, fmt.Errorf("%w: %s is reserved", ErrInvalidInput, f.Path)
		}
		tpl, err := template.New(f.Path).Option("missingkey=zero").Parse(string(f.Content))
		if err != nil {
			return Generation{}, fmt.Errorf("%w: %s: %v", ErrInvalidInput, f.Path, err)
		}
		var out bytes.Buffer
		if err := tpl.Execute(&out, data); err != nil {
			return Generation{}, fmt.Errorf("%w: %s: %v", ErrInvalidInput, f.Path, err)
		}
		files = append(files, File{Path: f.Path, Content: out.Bytes()})
	}
	meta, err := o.describe(req)
	if err != nil {
		return Generation{}, err
	}
	files = append(files, File{Path: "platform.json", Content: meta})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return Generation{Files: files, Provider: o.Name(), Model: o.Model(),
		Notes: "offline: rendered the template scaffold with the project configuration"}, nil
}

// describe writes platform.json: what was generated from what, with no
// timestamps so the output stays deterministic.
func (o *Offline) describe(req GenerateRequest) ([]byte, error) {
	cfg, err := json.Marshal(req.Configuration) // map keys are sorted by encoding/json
	if err != nil {
		return nil, fmt.Errorf("%w: configuration: %v", ErrInvalidInput, err)
	}
	sum := sha256.Sum256(cfg)
	instructions := req.Instructions
	if instructions == nil {
		instructions = []string{}
	}
	meta := map[string]any{
		"project":             map[string]string{"name": req.ProjectName, "slug": req.ProjectSlug},
		"template":            req.TemplateSlug,
		"provider":            o.Name(),
		"model":               o.Model(),
		"configurationSha256": hex.EncodeToString(sum[:]),
		"instructions":        instructions,
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode platform.json: %w", err)
	}
	return append(b, '\n'), nil
}

var _ Provider = (*Offline)(nil)
