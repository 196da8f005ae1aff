package main

import (
	"context"
	"strconv"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// templatePreviews gives the apps host the published templates it previews.
type templatePreviews struct{ store *models.Store }

func (p templatePreviews) PreviewTemplate(ctx context.Context, slug string) (appshost.PreviewTemplate, error) {
	t, err := p.store.GetTemplate(ctx, slug, "")
	if err != nil {
		_, err = notFoundAsArtifact("", err)
		return appshost.PreviewTemplate{}, err
	}
	files := make([]ai.File, len(t.Scaffold.V))
	for i, f := range t.Scaffold.V {
		files[i] = ai.File{Path: f.Path, Content: []byte(f.Content)}
	}
	return appshost.PreviewTemplate{Slug: t.Slug, Name: t.Name, Digest: t.ContentDigest + "/" + strconv.Itoa(t.Version),
		Schema: t.ConfigSchema.V, Scaffold: files}, nil
}

// previewFrameAncestors are the origins that may frame template previews:
// the web app's (PUBLIC_URL or WS_ALLOWED_ORIGINS), and in development any
// localhost port (the Vite dev server).
func previewFrameAncestors(cfg config.Config) []string {
	origins := cfg.AllowedOrigins()
	if cfg.DevMode {
		origins = append(origins, "http://localhost:*", "http://127.0.0.1:*")
	}
	return origins
}
