package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// createSchema creates a fresh schema and returns its name, the server
// version and a database URL whose search_path points at it (pgx passes
// unknown query parameters to the server as runtime parameters).
func createSchema(ctx context.Context, dbURL string) (schema, version, schemaURL string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", "", "", fmt.Errorf("parse database URL: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dbURL)
	if err != nil {
		return "", "", "", fmt.Errorf("connect to Postgres: %w", err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(cctx, "SHOW server_version").Scan(&version); err != nil {
		return "", "", "", fmt.Errorf("query server version: %w", err)
	}
	schema = fmt.Sprintf("bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", "", "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, version, u.String(), nil
}

// dropSchema drops the schema and everything in it. It uses its own
// context so it also runs after Ctrl-C.
func dropSchema(dbURL, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	return err
}

// checkpoint runs a CHECKPOINT, so the pages earlier sections dirtied are
// written back now rather than during the next measurement (a timed
// checkpoint restarts its clock after it), and returns how many checkpoints
// the server had made. Needs a superuser or pg_checkpoint; without, it
// reports the error and the count is still read.
func checkpoint(ctx context.Context, dbURL string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("connect to Postgres: %w", err)
	}
	defer conn.Close(context.Background())
	_, cerr := conn.Exec(ctx, "CHECKPOINT")
	n, err := checkpointsOn(ctx, conn)
	if err != nil {
		return 0, err
	}
	if cerr != nil {
		return n, fmt.Errorf("CHECKPOINT: %w", cerr)
	}
	return n, nil
}

// checkpoints is how many checkpoints (timed and requested) the server has made.
func checkpoints(ctx context.Context, dbURL string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, fmt.Errorf("connect to Postgres: %w", err)
	}
	defer conn.Close(context.Background())
	return checkpointsOn(ctx, conn)
}

// Postgres 17 moved the counts from pg_stat_bgwriter to pg_stat_checkpointer.
func checkpointsOn(ctx context.Context, conn *pgx.Conn) (int64, error) {
	var version, n int64
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return 0, fmt.Errorf("read server_version_num: %w", err)
	}
	q := "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
	if version >= 170000 {
		q = "SELECT num_timed + num_requested FROM pg_stat_checkpointer"
	}
	if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("count checkpoints: %w", err)
	}
	return n, nil
}
