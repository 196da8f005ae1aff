package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/forgeai/platform/migrations"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, log, err := loadConfig(false, false, stderr)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, "migrate", log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := migrateAndSync(ctx, store, log); err != nil {
		return err
	}
	db, err := store.SQL()
	if err != nil {
		return err
	}
	v, err := migrations.Version(ctx, db, store.Dialect())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", store.Dialect(), v)
	return nil
}
