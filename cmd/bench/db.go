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
