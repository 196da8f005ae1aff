package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
	"github.com/forgeai/platform/models"
)

// GenerateInput names the deployment whose source is generated.
type GenerateInput struct {
	DeploymentID string
	Record       *StepRecord `json:",omitempty"`
}

// GenerateOutput carries only digests, so workflow history stays small.
type GenerateOutput struct {
	SourceDigest string
	Files        int
	Provider     string
	Model        string
}

// GenerateSource asks the AI provider for the application's files from the
// template scaffold and the configuration the deployment was requested with
// (its snapshot: what its approval covered), and stores them in the
// artifact store. The project's current configuration is not read, and a
// template whose content changed since the request fails the deployment
// (non-retryable) instead of building something nobody approved. A
// deployment made before snapshots existed uses the project as it is.
// Idempotent: a deployment that has a source digest keeps it.
func (a *Deployment) GenerateSource(ctx context.Context, in GenerateInput) (GenerateOutput, error) {
	faultPoint(ctx, in.DeploymentID)
	if err := a.startRecorded(ctx, in.DeploymentID, in.Record); err != nil {
		return GenerateOutput{}, err
	}
	out, err := a.generateSource(ctx, in)
	if err != nil {
		return GenerateOutput{}, err
	}
	return out, a.endRecorded(ctx, in.DeploymentID, in.Record)
}

func (a *Deployment) generateSource(ctx context.Context, in GenerateInput) (GenerateOutput, error) {
	d, err := a.Store.DeploymentByID(ctx, in.DeploymentID)
	if err != nil {
		return GenerateOutput{}, storeError("load deployment", err)
	}
	if d.SourceDigest != "" {
		m, err := a.Artifacts.GetManifest(ctx, d.SourceDigest)
		if err == nil {
			return GenerateOutput{SourceDigest: d.SourceDigest, Files: len(m.Files), Provider: a.Provider.Name(), Model: a.Provider.Model()}, nil
		}
	}
	p, err := a.Store.ProjectByID(ctx, d.ProjectID)
	if err != nil {
		return GenerateOutput{}, storeError("load project", err)
	}
	src, err := generationInput(d, p)
	if err != nil {
		return GenerateOutput{}, err
	}
	t, err := a.Store.TemplateByID(ctx, src.templateID)
	if err != nil {
		return GenerateOutput{}, storeError("load template", err)
	}
	if d.TemplateDigest != "" {
		if now := models.TemplateDigest(t); now != d.TemplateDigest {
			return GenerateOutput{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
				"the template %s changed after this deployment was requested (requested with version %d, digest %s; now version %d, digest %s); deploy again",
				t.Slug, d.TemplateVersion, d.TemplateDigest, t.Version, now), ErrTypeSnapshotChanged, nil)
		}
	}
	scaffold := make([]ai.File, len(t.Scaffold.V))
	for i, f := range t.Scaffold.V {
		scaffold[i] = ai.File{Path: f.Path, Content: []byte(f.Content)}
	}
	stop := heartbeatEvery(ctx, 2*time.Second, "generating")
	gen, err := a.Provider.GenerateSource(ctx, ai.GenerateRequest{
		ProjectName: src.projectName, ProjectSlug: p.Slug, TemplateName: t.Name, TemplateSlug: t.Slug,
		Scaffold: scaffold, Configuration: src.configuration, Progress: a.progress(ctx, d.ID),
	})
	stop()
	if err != nil {
		return GenerateOutput{}, generationError(err)
	}
	a.chargeGeneration(ctx, d, gen)
	files := make([]artifacts.File, len(gen.Files))
	for i, f := range gen.Files {
		files[i] = artifacts.File{Path: f.Path, Content: f.Content}
	}
	digest, err := a.Artifacts.PutTree(ctx, files)
	if errors.Is(err, artifacts.ErrInvalidPath) {
		// The provider named a file no store may hold: bad output, which
		// fails the deployment. A failing store is retried instead.
		return GenerateOutput{}, temporal.NewNonRetryableApplicationError("generated source: "+err.Error(), ErrTypeInvalidInput, err)
	}
	if err != nil {
		return GenerateOutput{}, fmt.Errorf("store generated source: %w", err)
	}
	if err := a.Store.SetSourceDigest(ctx, d.ID, digest); err != nil {
		return GenerateOutput{}, storeError("record source digest", err)
	}
	return GenerateOutput{SourceDigest: digest, Files: len(files), Provider: gen.Provider, Model: gen.Model}, nil
}

// generation is what a deployment's source is generated from.
type generation struct {
	projectName   string
	configuration map[string]any
	templateID    string
}

// generationInput is the deployment's snapshot, checked against its digest;
// for a deployment without one (made before snapshots existed), the project
// as it is now.
func generationInput(d models.Deployment, p models.Project) (generation, error) {
	if !d.HasSnapshot() {
		return generation{projectName: p.Name, configuration: p.Configuration.V, templateID: p.TemplateID}, nil
	}
	cfg := d.SnapshotConfiguration()
	if got := models.ConfigurationDigest(cfg); got != d.ConfigurationDigest {
		return generation{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"the deployment's recorded configuration has digest %s, not the %s it was requested (and approved) with; deploy again",
			got, d.ConfigurationDigest), ErrTypeSnapshotChanged, nil)
	}
	g := generation{projectName: d.ProjectName, configuration: cfg, templateID: p.TemplateID}
	if g.projectName == "" {
		g.projectName = p.Name
	}
	if d.TemplateID != nil {
		g.templateID = *d.TemplateID
	}
	return g, nil
}

// progress reports a streamed generation's growth: a heartbeat each time,
// and at most one progress event a second on the deployment's streams.
func (a *Deployment) progress(ctx context.Context, deploymentID string) func(int) {
	var last time.Time
	return func(bytes int) {
		activity.RecordHeartbeat(ctx, bytes)
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		if _, err := a.Store.AppendEvent(ctx, models.DeploymentStream(deploymentID), "deployment.generation_progress",
			map[string]any{"deploymentId": deploymentID, "bytes": bytes}); err != nil {
			activity.GetLogger(ctx).Warn("progress event failed", "error", err)
		}
	}
}

// generationError maps provider errors onto Temporal's retry rules: bad
// input and refused requests are final; a busy or open-breaker provider
// becomes a retry after the delay it asks for, not a storm of calls.
func generationError(err error) error {
	var ra *ai.RetryAfterError
	switch {
	case errors.Is(err, ai.ErrInvalidInput):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalidInput, err)
	case errors.Is(err, ai.ErrRejected):
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeAIRejected, err)
	case errors.As(err, &ra):
		return temporal.NewApplicationErrorWithOptions("AI provider unavailable: "+err.Error(), ErrTypeAIUnavailable,
			temporal.ApplicationErrorOptions{Cause: err, NextRetryDelay: ra.After})
	default:
		return fmt.Errorf("generate source: %w", err)
	}
}

// BuildInput names the source tree to build.
type BuildInput struct {
	DeploymentID string
	SourceDigest string
	Record       *StepRecord `json:",omitempty"`
}

// BuildOutput is the content digest of the built artifact.
type BuildOutput struct {
	ArtifactDigest string
	Files          int
}

// Build validates the source (paths, types, sizes, HTML, no remote scripts)
// and bundles it deterministically: the same source gives the same artifact
// digest, byte for byte. Invalid source fails without retries, naming the file.
// It heartbeats while it works, so a slow build is not timed out and a
// cancellation reaches it; once cancelled it returns at once and leaves the
// work it was waiting for to finish unobserved (storing a content-addressed
// artifact twice is harmless). Idempotent: the same source gives the same digest.
func (a *Deployment) Build(ctx context.Context, in BuildInput) (BuildOutput, error) {
	faultPoint(ctx, in.DeploymentID)
	stop := heartbeatEvery(ctx, 2*time.Second, "building")
	defer stop()
	if err := a.startRecorded(ctx, in.DeploymentID, in.Record); err != nil {
		return BuildOutput{}, err
	}
	type built struct {
		out BuildOutput
		err error
	}
	done := make(chan built, 1)
	go func() {
		out, err := a.build(ctx, in)
		done <- built{out, err}
	}()
	select {
	case b := <-done:
		if b.err != nil {
			return BuildOutput{}, b.err
		}
		return b.out, a.endRecorded(ctx, in.DeploymentID, in.Record)
	case <-ctx.Done():
		return BuildOutput{}, fmt.Errorf("build: %w", ctx.Err())
	}
}

func (a *Deployment) build(ctx context.Context, in BuildInput) (BuildOutput, error) {
	src, err := a.Artifacts.GetTree(ctx, in.SourceDigest)
	if err != nil {
		return BuildOutput{}, fmt.Errorf("load source %s: %w", in.SourceDigest, err)
	}
	files := make([]build.File, len(src))
	for i, f := range src {
		files[i] = build.File{Path: f.Path, Content: f.Content}
	}
	bundle, err := build.Bundle(files, a.Limits)
	if ctx.Err() != nil {
		return BuildOutput{}, fmt.Errorf("build: %w", ctx.Err()) // cancelled while bundling: store nothing
	}
	var verr *build.ValidationError
	if errors.As(err, &verr) {
		return BuildOutput{}, temporal.NewNonRetryableApplicationError("build failed: "+verr.Error(), ErrTypeBuildFailed, err)
	}
	if err != nil {
		return BuildOutput{}, fmt.Errorf("bundle: %w", err)
	}
	out := make([]artifacts.File, len(bundle))
	for i, f := range bundle {
		out[i] = artifacts.File{Path: f.Path, Content: f.Content}
	}
	// A bundle that is its source file for file is the tree just read,
	// every file checked against its digest: it is stored already.
	digest, err := artifacts.TreeDigest(out)
	if err != nil || digest != in.SourceDigest {
		digest, err = a.Artifacts.PutTree(ctx, out)
	}
	if err != nil {
		return BuildOutput{}, fmt.Errorf("store artifact: %w", err)
	}
	if err := a.Store.SetArtifactDigest(ctx, in.DeploymentID, digest); err != nil {
		return BuildOutput{}, storeError("record artifact digest", err)
	}
	return BuildOutput{ArtifactDigest: digest, Files: len(out)}, nil
}

// PublishInput names the deployment to make live.
type PublishInput struct {
	DeploymentID string
	Record       *StepRecord `json:",omitempty"`
}

// PublishOutput is where the release is served: the project's own origin
// (appshost.Origins), and the deployment's.
type PublishOutput struct {
	URL                  string
	PreviewURL           string
	PreviousDeploymentID string
	Slug                 string // the project's, for Verify
}

// Publish atomically points the project's live release at the deployment's
// artifact, keeping the previous release for rollback. Idempotent per
// deployment. It heartbeats, so a cancellation reaches it (the workflow
// waits for it to end before restoring the previous release); a deployment
// that already finished is refused for good, never published.
func (a *Deployment) Publish(ctx context.Context, in PublishInput) (PublishOutput, error) {
	faultPoint(ctx, in.DeploymentID)
	stop := heartbeatEvery(ctx, 2*time.Second, "publishing")
	defer stop()
	if err := a.startRecorded(ctx, in.DeploymentID, in.Record); err != nil {
		return PublishOutput{}, err
	}
	origins, err := appshost.ParseOrigins(a.AppsBaseURL)
	if err != nil {
		return PublishOutput{}, fmt.Errorf("publish: %w", err)
	}
	pub, err := a.Store.PublishRelease(ctx, in.DeploymentID, origins.LiveURL)
	var finished *models.FinishedDeploymentError
	if errors.As(err, &finished) {
		return PublishOutput{}, temporal.NewNonRetryableApplicationError("publish: "+finished.Error(), ErrTypeDeploymentFinished, err)
	}
	if err != nil {
		return PublishOutput{}, storeError("publish", err)
	}
	faultPointAt(ctx, faultLive, in.DeploymentID)
	out := PublishOutput{URL: pub.URL, PreviewURL: origins.DeploymentURL(in.DeploymentID), Slug: pub.Slug}
	if pub.PreviousDeploymentID != nil {
		out.PreviousDeploymentID = *pub.PreviousDeploymentID
	}
	return out, a.endRecorded(ctx, in.DeploymentID, in.Record)
}

// VerifyInput names what should now be live.
type VerifyInput struct {
	DeploymentID   string
	ArtifactDigest string
	Slug           string      // the project's; looked up when empty (older workflows)
	Record         *StepRecord `json:",omitempty"`
}

// Verify fetches the live URL from the apps host, as a visitor would: it
// must come from this deployment's artifact (the host names the artifact
// it served) and its content digest must match the artifact's manifest.
// The other files are served from the same content-addressed artifact, so
// one request proves the release moved and is served intact. It fetches the
// app's own origin (<slug>.<apps domain>); with APPS_INTERNAL_URL it asks that
// address instead, naming the app's origin in the Host header. Its errors
// say what went wrong with a code, never the address or the transport error,
// which it logs.
func (a *Deployment) Verify(ctx context.Context, in VerifyInput) error {
	faultPoint(ctx, in.DeploymentID)
	if err := a.startRecorded(ctx, in.DeploymentID, in.Record); err != nil {
		return err
	}
	slug := in.Slug
	if slug == "" {
		d, err := a.Store.DeploymentByID(ctx, in.DeploymentID)
		if err != nil {
			return storeError("load deployment", err)
		}
		p, err := a.Store.ProjectByID(ctx, d.ProjectID)
		if err != nil {
			return storeError("load project", err)
		}
		slug = p.Slug
	}
	m, err := a.Artifacts.GetManifest(ctx, in.ArtifactDigest)
	if err != nil {
		return fmt.Errorf("load manifest: %w", err)
	}
	i := slices.IndexFunc(m.Files, func(e artifacts.Entry) bool { return e.Path == "index.html" })
	if i < 0 {
		return temporal.NewNonRetryableApplicationError("verify: the built app has no index.html (code verify_no_index)", ErrTypeVerifyFailed, nil)
	}
	url, host, err := a.verifyTarget(slug)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if err := a.verifyPage(ctx, url, host, in.ArtifactDigest, m.Files[i].Digest); err != nil {
		activity.GetLogger(ctx).Warn("verify failed", "url", url, "host", host, "code", err.code, "error", err.detail)
		return temporal.NewApplicationErrorWithCause("verify: "+err.public, ErrTypeVerifyFailed, err.detail)
	}
	return a.endRecorded(ctx, in.DeploymentID, in.Record)
}

// verifyTarget is the URL Verify fetches and the Host it names: the app's
// own origin, or APPS_INTERNAL_URL with the app's host.
func (a *Deployment) verifyTarget(slug string) (url, host string, err error) {
	origins, err := appshost.ParseOrigins(a.AppsBaseURL)
	if err != nil {
		return "", "", err
	}
	fetch := strings.TrimRight(a.AppsFetch, "/")
	if fetch == "" || fetch == strings.TrimRight(a.AppsBaseURL, "/") {
		return origins.LiveURL(slug), "", nil
	}
	return fetch + "/", origins.LiveHost(slug), nil
}

// verifyError is a failed verification: what users read (with its code)
// and the detail that only the logs get.
type verifyError struct {
	code, public string
	detail       error
}

func verifyFailed(code, public string, detail error) *verifyError {
	return &verifyError{code: code, public: public + " (code " + code + ")", detail: detail}
}

func (a *Deployment) verifyPage(ctx context.Context, url, host, artifact, digest string) *verifyError {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return verifyFailed("verify_unreachable", "the app's address is not valid", err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return verifyFailed("verify_unreachable", "the app did not answer at its address", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return verifyFailed("verify_status", fmt.Sprintf("the app's address answered HTTP %d instead of its page", resp.StatusCode),
			fmt.Errorf("answered %d", resp.StatusCode))
	}
	if got := resp.Header.Get(appshost.ArtifactHeader); got != artifact {
		return verifyFailed("verify_wrong_release", "the app's address serves another release than this deployment's",
			fmt.Errorf("serves artifact %q, want %s", got, artifact))
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(resp.Body, 64<<20)); err != nil {
		return verifyFailed("verify_unreachable", "the app's page could not be read in full", err)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != digest {
		return verifyFailed("verify_content_mismatch", "the app's page differs from the one built",
			fmt.Errorf("content digest %s, want %s", got, digest))
	}
	return nil
}
