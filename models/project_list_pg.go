package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// errNoPgx: the pool's connection is not pgx's (the caller falls back to GORM).
var errNoPgx = errors.New("not a pgx connection")

// projectColumns are the columns of Project, in the order listProjectsPG scans them.
const projectColumns = `id, owner_id, template_id, template_version, name, slug, description, configuration,
	status, status_message, live_deployment_id, deployment_url, deploy_seq, created_at, updated_at`

// listProjectsPG is ListProjects on Postgres in one round trip: the count
// and the page go out as one pgx batch on a pooled connection and are
// scanned without reflection. GET /api/projects is the hottest read a
// signed-in user makes; the same queries through GORM cost two round trips
// and a reflective scan of every row.
func (s *Store) listProjectsPG(ctx context.Context, ownerID, order string, page Page) ([]Project, int64, error) {
	sqlDB, err := s.SQL()
	if err != nil {
		return nil, 0, err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list projects: %w", err)
	}
	defer conn.Close()
	var rows []Project
	var total int64
	err = conn.Raw(func(dc any) error {
		var pc *pgx.Conn
		switch c := dc.(type) {
		case *pipelinedConn:
			pc = c.Conn.Conn()
		case *stdlib.Conn:
			pc = c.Conn()
		default:
			return errNoPgx
		}
		b := &pgx.Batch{}
		b.Queue(`SELECT count(*) FROM projects WHERE owner_id = $1`, ownerID)
		b.Queue(`SELECT `+projectColumns+` FROM projects WHERE owner_id = $1 ORDER BY `+order+` LIMIT $2 OFFSET $3`,
			ownerID, page.Size, page.offset())
		br := pc.SendBatch(ctx, b)
		defer br.Close()
		if err := br.QueryRow().Scan(&total); err != nil {
			return fmt.Errorf("count projects: %w", err)
		}
		res, err := br.Query()
		if err != nil {
			return fmt.Errorf("list projects: %w", err)
		}
		rows, err = pgx.CollectRows(res, scanProject)
		if err != nil {
			return fmt.Errorf("list projects: %w", err)
		}
		return br.Close()
	})
	return rows, total, err
}

func scanProject(row pgx.CollectableRow) (Project, error) {
	var p Project
	var cfg []byte
	err := row.Scan(&p.ID, &p.OwnerID, &p.TemplateID, &p.TemplateVersion, &p.Name, &p.Slug, &p.Description, &cfg,
		&p.Status, &p.StatusMessage, &p.LiveDeploymentID, &p.DeploymentURL, &p.DeploySeq, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	if len(cfg) > 0 {
		if err := json.Unmarshal(cfg, &p.Configuration.V); err != nil {
			return p, fmt.Errorf("decode configuration of project %s: %w", p.ID, err)
		}
	}
	return p, nil
}
