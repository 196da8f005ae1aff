package ai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/forgeai/platform/internal/scaffold"
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

// GenerateSource renders the scaffold over the configuration with the
// scaffold package (contextual escaping per file type, bounded work) and adds
// platform.json describing the generation. A scaffold the renderer refuses
// is ErrInvalidInput and wraps the *scaffold.Error naming the file.
func (o *Offline) GenerateSource(ctx context.Context, req GenerateRequest) (Generation, error) {
	data := map[string]any{
		"Config":   req.Configuration,
		"Template": map[string]any{"Name": req.TemplateName, "Slug": req.TemplateSlug},
		"Project":  map[string]any{"Name": req.ProjectName, "Slug": req.ProjectSlug},
	}
	sources := make([]scaffold.File, 0, len(req.Scaffold))
	seen := make(map[string]bool, len(req.Scaffold))
	for _, f := range req.Scaffold {
		if reason := scaffoldPathProblem(f.Path, seen); reason != "" {
			return Generation{}, fmt.Errorf("%w: %w", ErrInvalidInput,
				&scaffold.Error{Path: f.Path, Err: errors.New("scaffold file " + reason)})
		}
		sources = append(sources, scaffold.File{Path: f.Path, Content: f.Content})
	}
	rendered, err := scaffold.Render(ctx, sources, data, scaffold.DefaultLimits())
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return Generation{}, ctxErr
		}
		return Generation{}, fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	files := make([]File, 0, len(rendered)+1)
	for _, f := range rendered {
		files = append(files, File{Path: f.Path, Content: f.Content})
	}
	if err := ctx.Err(); err != nil {
		return Generation{}, err
	}
	meta, err := describeGeneration(req, o.Name(), o.Model())
	if err != nil {
		return Generation{}, err
	}
	files = append(files, File{Path: metadataFile, Content: meta})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	notes := "offline: rendered the template scaffold with the project configuration"
	if n := len(req.Instructions); n > 0 {
		notes += fmt.Sprintf("; %d instruction(s) recorded in %s but not applied (the offline provider cannot follow free text)", n, metadataFile)
	}
	return Generation{Files: files, Provider: o.Name(), Model: o.Model(), Notes: notes}, nil
}

// metadataFile is the file the offline provider adds to describe a generation.
const metadataFile = "platform.json"

// scaffoldPathProblem refuses paths a build would refuse anyway, so a broken
// template fails at generation, non-retryably, naming the file. seen collects
// lower-cased paths to catch duplicates.
func scaffoldPathProblem(p string, seen map[string]bool) string {
	low := strings.ToLower(p)
	switch {
	case p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || path.Clean(p) != p ||
		p == ".." || strings.HasPrefix(p, "../"):
		return "is not a clean relative path"
	case low == metadataFile:
		return "uses a reserved name"
	case seen[low]:
		return "appears more than once"
	}
	seen[low] = true
	return ""
}

// describeGeneration writes platform.json: what was generated from what, by
// which provider and model, with no timestamps so the output stays
// deterministic. encoding/json sorts map keys and escapes <, > and & (as
// \u003c…), so the instructions are kept verbatim yet cannot turn into
// markup wherever the file is shown.
func describeGeneration(req GenerateRequest, provider, model string) ([]byte, error) {
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
		"provider":            provider,
		"model":               model,
		"configurationSha256": hex.EncodeToString(sum[:]),
		"instructions":        instructions,
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", metadataFile, err)
	}
	return append(b, '\n'), nil
}

var _ Provider = (*Offline)(nil)
