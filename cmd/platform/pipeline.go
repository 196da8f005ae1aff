package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// openArtifacts opens the content-addressed artifact store: the bucket of
// ARTIFACTS_URL when it is set, the folder ARTIFACTS_DIR otherwise.
func openArtifacts(ctx context.Context, cfg config.Config) (artifacts.Store, error) {
	s3, ok, err := cfg.Artifacts.S3()
	if err != nil {
		return nil, fmt.Errorf("ARTIFACTS_URL: %w", err)
	}
	if ok {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		store, err := artifacts.NewS3(ctx, s3)
		if err != nil {
			return nil, fmt.Errorf("ARTIFACTS_URL: %w", err)
		}
		return store, nil
	}
	fs, err := artifacts.NewFS(cfg.ArtifactsDir)
	if err != nil {
		return nil, fmt.Errorf("ARTIFACTS_DIR %s: %w", cfg.ArtifactsDir, err)
	}
	return fs, nil
}

// deploymentActivities wires the pipeline's dependencies. Code generation uses
// OpenAI when OPENAI_API_KEY is set, the offline provider otherwise.
func deploymentActivities(cfg config.Config, store *models.Store, arts artifacts.Store, m *ai.Metrics) *activities.Deployment {
	fetch := cfg.AppsInternalURL
	if fetch == "" {
		fetch = cfg.AppsBaseURL
	}
	// The steps of a deployment read the trees the steps before them wrote,
	// most often in this same worker: from memory, up to
	// ARTIFACTS_MEMORY_BYTES (0: from the store every time).
	if cfg.Artifacts.MemoryBytes > 0 {
		arts = artifacts.Remember(arts, cfg.Artifacts.MemoryBytes)
	}
	return &activities.Deployment{
		Store: store, Artifacts: arts,
		Provider: ai.New(aiConfig(cfg, 1), m), Limits: build.DefaultLimits(),
		AppsBaseURL: cfg.AppsBaseURL, AppsFetch: fetch,
		// Apps are at <slug>.<apps domain>; on a development host that is
		// *.localhost, which Go resolves only through ResolveLocalhost.
		HTTP:  &http.Client{Timeout: 10 * time.Second, Transport: appshost.ResolveLocalhost(http.DefaultTransport.(*http.Transport).Clone())},
		Usage: store, // each generation's AI tokens count toward its requester's daily budget
	}
}

// releaseResolver tells the apps host which artifact each URL serves.
type releaseResolver struct{ store *models.Store }

func (r releaseResolver) LiveArtifact(ctx context.Context, slug string) (string, error) {
	return notFoundAsArtifact(r.store.LiveArtifact(ctx, slug))
}

// DeploymentArtifact serves only what went live: a deployment's artifact is
// public once it was deployed (also after a later release replaced it or a
// rollback undid it), never while it runs or after it failed or was cancelled.
func (r releaseResolver) DeploymentArtifact(ctx context.Context, id string) (string, error) {
	d, err := r.store.DeploymentByID(ctx, id)
	if err != nil {
		return notFoundAsArtifact("", err)
	}
	if d.ArtifactDigest == "" || (d.Status != models.DeployDeployed && d.Status != models.DeployRolledBack) {
		return "", fmt.Errorf("deployment %s is %s: %w", id, d.Status, artifacts.ErrNotFound)
	}
	return d.ArtifactDigest, nil
}

func notFoundAsArtifact(digest string, err error) (string, error) {
	if errors.Is(err, models.ErrNotFound) {
		return "", fmt.Errorf("%w: %v", artifacts.ErrNotFound, err)
	}
	return digest, err
}

// onboardingActivities wires the onboarding workflow's activities; a role
// chosen at onboarding opens an approval whose workflow they start.
func onboardingActivities(cfg config.Config, store *models.Store, wf *workflows.Client) *activities.Onboarding {
	return &activities.Onboarding{
		Store: store, Provider: ai.New(aiConfig(cfg, 1), nil),
		ApprovalIn: func() models.Approval {
			return models.Approval{Deadline: time.Now().UTC().Add(cfg.ApprovalTimeout)}
		},
		StartRole: func(ctx context.Context, a models.Approval) error {
			return wf.StartApproval(ctx, workflows.NewApprovalInput(a, cfg.ApprovalEscalateAfter, time.Now()))
		},
	}
}
