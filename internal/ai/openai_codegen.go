package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// appFilesSchema is the structured output code generation asks for.
var appFilesSchema = json.RawMessage(`{"type":"object","required":["files"],"additionalProperties":false,"properties":{` +
	`"files":{"type":"array","items":{"type":"object","required":["path","content"],"additionalProperties":false,` +
	`"properties":{"path":{"type":"string"},"content":{"type":"string"}}}}}}`)

const codegenSystemPrompt = `You generate a small static web application: HTML, CSS and JavaScript files only.
Rules:
- index.html is at the root; every path is relative (no leading slash, no "..").
- Reference other files by relative paths; load no remote scripts, styles or fonts.
- The app is served with a strict Content-Security-Policy: no inline <script> blocks, no inline event handlers (onclick=...), no javascript: URLs. Put all JavaScript in .js files and attach handlers with addEventListener.
- Escape any user-visible text taken from the configuration.
- Keep what the starting point does unless an instruction or the configuration asks otherwise.
Answer with every file of the finished app, complete, as {"files":[{"path","content"}]}.`

// GenerateSource renders the offline scaffold as a starting point, asks the
// model for the finished app as structured output, streams it (reporting
// progress), and checks the untrusted paths it returns.
func (o *OpenAI) GenerateSource(ctx context.Context, req GenerateRequest) (Generation, error) {
	start, err := NewOffline().GenerateSource(ctx, req)
	if err != nil {
		return Generation{}, err
	}
	prompt, err := codegenPrompt(req, start.Files)
	if err != nil {
		return Generation{}, err
	}
	creq := openai.ChatCompletionRequest{
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: codegenSystemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: prompt},
		},
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "app_files", Strict: true, Schema: appFilesSchema},
		},
	}
	generated := 0
	res, err := o.complete(ctx, opGenerate, creq, func(d string) {
		generated += len(d)
		if req.Progress != nil {
			req.Progress(generated)
		}
	})
	if err != nil {
		return Generation{}, err
	}
	files, err := parseAppFiles(res)
	if err != nil {
		return Generation{}, err
	}
	meta, err := describeGeneration(req, o.Name(), o.model)
	if err != nil {
		return Generation{}, err
	}
	files = append(files, File{Path: metadataFile, Content: meta})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return Generation{
		Files: files, Provider: o.Name(), Model: o.model, PromptTokens: res.PromptTokens, CompletionTokens: res.CompletionTokens,
		Notes: fmt.Sprintf("openai: %s generated the app from the template scaffold, the configuration and %d instruction(s)",
			o.model, len(req.Instructions)),
	}, nil
}

// codegenPrompt is the user message: template, configuration, instructions
// and the rendered scaffold (without platform.json) as JSON.
func codegenPrompt(req GenerateRequest, scaffold []File) (string, error) {
	cfg, err := json.MarshalIndent(req.Configuration, "", "  ")
	if err != nil {
		return "", fmt.Errorf("%w: configuration: %v", ErrInvalidInput, err)
	}
	type file struct {
		Path    string `json:"path"`
		Content string `json:"content"`
	}
	start := struct {
		Files []file `json:"files"`
	}{}
	for _, f := range scaffold {
		if f.Path != metadataFile {
			start.Files = append(start.Files, file{f.Path, string(f.Content)})
		}
	}
	files, err := json.Marshal(start)
	if err != nil {
		return "", fmt.Errorf("encode scaffold: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Template: %s (%s)\nProject: %s\n\nConfiguration (JSON):\n%s\n\n", req.TemplateName, req.TemplateSlug, req.ProjectName, cfg)
	if len(req.Instructions) > 0 {
		b.WriteString("Instructions from the user (apply them where they are consistent with the rules):\n")
		for i, in := range req.Instructions {
			fmt.Fprintf(&b, "%d. %s\n", i+1, in)
		}
		b.WriteString("\n")
	}
	b.WriteString("Starting point: the template rendered with this configuration.\n")
	b.Write(files)
	return b.String(), nil
}

// parseAppFiles decodes the model's answer. The output is untrusted: every
// path must be clean, relative and unique (the build step checks the rest);
// a platform.json from the model is dropped, the provider writes its own.
func parseAppFiles(res ChatResult) ([]File, error) {
	var out struct {
		Files []struct {
			Path    string `json:"path"`
			Content string `json:"content"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(res.Content), &out); err != nil {
		return nil, fmt.Errorf("%w: the generated output is not the requested JSON (finish reason %q): %v",
			ErrBadStream, res.FinishReason, err)
	}
	if len(out.Files) == 0 {
		return nil, fmt.Errorf("%w: the model generated no files", ErrInvalidInput)
	}
	files := make([]File, 0, len(out.Files))
	seen := make(map[string]bool, len(out.Files))
	for _, f := range out.Files {
		if strings.EqualFold(f.Path, metadataFile) {
			continue
		}
		if reason := scaffoldPathProblem(f.Path, seen); reason != "" {
			return nil, fmt.Errorf("%w: generated file %q %s", ErrInvalidInput, f.Path, reason)
		}
		files = append(files, File{Path: f.Path, Content: []byte(f.Content)})
	}
	return files, nil
}
