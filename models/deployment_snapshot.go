package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// A deployment pins what it was requested with (its snapshot): the project's
// name and configuration, and the template's id, version and digest, read
// under the project's lock in the transaction that creates it. Its approval
// shows the snapshot, and the pipeline generates from it, never from the
// project's current configuration, so what is approved is what goes live.
// While a deployment is in flight the project's configuration cannot change
// (ConfigurationLockedError).

// digestPrefix names the hash of the digests below.
const digestPrefix = "sha256:"

// ConfigurationDigest is the SHA-256 of the configuration's canonical JSON
// (object keys sorted, numbers as float64), as "sha256:<hex>". Equal
// configurations have equal digests whichever database they were read from.
func ConfigurationDigest(cfg map[string]any) string {
	if cfg == nil {
		cfg = map[string]any{}
	}
	return digestOf(cfg)
}

// TemplateDigest is the SHA-256 of what a template contributes to a
// generated app and what its publication is reviewed on: its slug, name,
// configuration schema and scaffold files, in canonical JSON.
func TemplateDigest(t Template) string {
	var schema any
	if len(t.ConfigSchema.V) > 0 {
		if err := json.Unmarshal(t.ConfigSchema.V, &schema); err != nil {
			schema = string(t.ConfigSchema.V) // not JSON: digest its bytes
		}
	}
	files := t.Scaffold.V
	if files == nil {
		files = []ScaffoldFile{}
	}
	return digestOf(map[string]any{"slug": t.Slug, "name": t.Name, "configSchema": schema, "scaffold": files})
}

func digestOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(err.Error()) // unreachable for values read from JSON
	}
	sum := sha256.Sum256(b)
	return digestPrefix + hex.EncodeToString(sum[:])
}

// HasSnapshot reports whether the deployment recorded what it was requested
// with (every deployment since migration 00015 does).
func (d Deployment) HasSnapshot() bool { return d.ConfigurationDigest != "" }

// SnapshotConfiguration is the configuration the deployment was requested
// with, never nil when it has a snapshot.
func (d Deployment) SnapshotConfiguration() map[string]any {
	if d.Configuration.V == nil && d.HasSnapshot() {
		return map[string]any{}
	}
	return d.Configuration.V
}

// takeSnapshot records on d what it is requested with: for a deployment,
// the locked project p and its template as they are now; for a rollback,
// the snapshot of the deployment it re-publishes (nothing if that one has
// none).
func takeSnapshot(tx *gorm.DB, d *Deployment, p Project, rollbackOf string) error {
	if rollbackOf != "" {
		var target Deployment
		err := tx.Where("id = ? AND project_id = ?", rollbackOf, p.ID).Take(&target).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		d.Configuration, d.ConfigurationDigest, d.ProjectName = target.Configuration, target.ConfigurationDigest, target.ProjectName
		d.TemplateID, d.TemplateVersion, d.TemplateDigest = target.TemplateID, target.TemplateVersion, target.TemplateDigest
		return nil
	}
	var t Template
	if err := tx.Where("id = ?", p.TemplateID).Take(&t).Error; err != nil {
		return err
	}
	cfg := p.Configuration.V
	if cfg == nil {
		cfg = map[string]any{}
	}
	d.Configuration, d.ConfigurationDigest, d.ProjectName = NewJSON(cfg), ConfigurationDigest(cfg), p.Name
	d.TemplateID, d.TemplateVersion, d.TemplateDigest = &t.ID, t.Version, TemplateDigest(t)
	return nil
}

// ConfigurationLockedError refuses to change a project's configuration
// while one of its deployments is in flight: that deployment (and its
// approval) covers the configuration it was requested with.
type ConfigurationLockedError struct{ DeploymentID string }

func (e *ConfigurationLockedError) Error() string {
	return "the configuration cannot change while deployment " + e.DeploymentID +
		" is waiting for approval or running: it builds the configuration it was requested with; cancel it or wait for it to finish"
}

// Unwrap makes the error an ErrConflict.
func (e *ConfigurationLockedError) Unwrap() error { return ErrConflict }

// refuseConfigurationChange answers *ConfigurationLockedError when the
// project (locked by the caller) has a deployment in flight and next
// differs from its current configuration; an unchanged configuration passes.
func refuseConfigurationChange(tx *gorm.DB, p Project, next map[string]any) error {
	if ConfigurationDigest(next) == ConfigurationDigest(p.Configuration.V) {
		return nil
	}
	var active Deployment
	err := tx.Select("id").Where("project_id = ? AND status IN ?", p.ID, ActiveStatuses).Take(&active).Error
	if err == nil {
		return &ConfigurationLockedError{DeploymentID: active.ID}
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	return err
}

// Kinds of ConfigChange.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// ConfigChange is one difference between two configurations: the dotted
// path of the value (nested objects are walked; arrays compare whole), and
// its value before and after.
type ConfigChange struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	From   any    `json:"from,omitempty"`
	To     any    `json:"to,omitempty"`
}

// DiffConfiguration lists what changes from one configuration to the next,
// ordered by path.
func DiffConfiguration(from, to map[string]any) []ConfigChange {
	out := []ConfigChange{}
	diffInto(&out, "", from, to)
	slices.SortFunc(out, func(a, b ConfigChange) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func diffInto(out *[]ConfigChange, prefix string, from, to map[string]any) {
	for k, a := range from {
		b, ok := to[k]
		path := prefix + k
		switch {
		case !ok:
			*out = append(*out, ConfigChange{Path: path, Change: ChangeRemoved, From: a})
		default:
			am, aObj := a.(map[string]any)
			bm, bObj := b.(map[string]any)
			if aObj && bObj {
				diffInto(out, path+".", am, bm)
			} else if !reflect.DeepEqual(a, b) {
				*out = append(*out, ConfigChange{Path: path, Change: ChangeChanged, From: a, To: b})
			}
		}
	}
	for k, b := range to {
		if _, ok := from[k]; !ok {
			*out = append(*out, ConfigChange{Path: prefix + k, Change: ChangeAdded, To: b})
		}
	}
}

// ReplacedRelease returns the deployment whose release d replaces: for a
// deployment that was published, the release that was live before it; for
// one not (yet) published, the project's live release. found is false when
// there is none (a first release).
func (s *Store) ReplacedRelease(ctx context.Context, d Deployment) (prev Deployment, found bool, err error) {
	db := s.db.WithContext(ctx)
	var prevID *string
	var rel Release
	err = db.Where("deployment_id = ?", d.ID).Take(&rel).Error
	switch {
	case err == nil:
		prevID = rel.PreviousDeploymentID
	case errors.Is(err, gorm.ErrRecordNotFound):
		var p Project
		if err := db.Select("live_deployment_id").Where("id = ?", d.ProjectID).Take(&p).Error; err != nil {
			return Deployment{}, false, translate("replaced release", err)
		}
		prevID = p.LiveDeploymentID
	default:
		return Deployment{}, false, translate("replaced release", err)
	}
	if prevID == nil || *prevID == d.ID {
		return Deployment{}, false, nil
	}
	err = db.Where("id = ?", *prevID).Take(&prev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Deployment{}, false, nil
	}
	if err != nil {
		return Deployment{}, false, translate("replaced release", err)
	}
	return prev, true, nil
}
