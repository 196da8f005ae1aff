package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/forgeai/platform/internal/faults"
)

// faultPoint lets the fault-matrix tests hold this activity of one
// deployment (named by its activity type, e.g. Build) while they break the
// platform around it; heartbeats go on meanwhile. It does nothing unless the
// binary is built with the faults tag.
func faultPoint(ctx context.Context, deploymentID string) {
	if !faults.Enabled {
		return
	}
	faultPointAt(ctx, activity.GetInfo(ctx).ActivityType.Name, deploymentID)
}

// faultLive names the point inside Publish right after the release went
// live, where a cancellation must put the previous release back.
const faultLive = "PublishLive"

// faultPointAt is faultPoint at a named point inside an activity.
func faultPointAt(ctx context.Context, point, deploymentID string) {
	if !faults.Enabled {
		return
	}
	faults.Hold(ctx, point, deploymentID, func() { activity.RecordHeartbeat(ctx, "held") })
}
