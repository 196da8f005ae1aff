package migrations_test

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/migrations"
)

// schema maps table → column → nullable.
type schema map[string]map[string]bool

// TestSchemaParity keeps the two dialects' schemas equal: the same tables,
// and in each the same columns with the same nullability.
func TestSchemaParity(t *testing.T) {
	pg := migratedSchema(t, config.Postgres, postgresSchema)
	lite := migratedSchema(t, config.SQLite, sqliteSchema)
	if len(pg) == 0 {
		t.Fatal("postgres schema has no tables")
	}
	if diff := diffSchemas(pg, lite); diff != "" {
		t.Errorf("schemas differ (- postgres, + sqlite):\n%s", diff)
	}
}

func migratedSchema(t *testing.T, d config.Dialect, read func(*testing.T, *sql.DB) schema) schema {
	t.Helper()
	db := openDB(t, d)
	if _, err := migrations.Up(t.Context(), db, d); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return read(t, db)
}

func postgresSchema(t *testing.T, db *sql.DB) schema {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `
		SELECT table_name, column_name, is_nullable = 'YES'
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`)
	if err != nil {
		t.Fatalf("read postgres columns: %v", err)
	}
	defer rows.Close()
	out := schema{}
	for rows.Next() {
		var table, column string
		var nullable bool
		if err := rows.Scan(&table, &column, &nullable); err != nil {
			t.Fatalf("scan postgres column: %v", err)
		}
		if out[table] == nil {
			out[table] = map[string]bool{}
		}
		out[table][column] = nullable
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read postgres columns: %v", err)
	}
	return out
}

func sqliteSchema(t *testing.T, db *sql.DB) schema {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `
		SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`)
	if err != nil {
		t.Fatalf("read sqlite tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("scan sqlite table: %v", err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read sqlite tables: %v", err)
	}
	_ = rows.Close()

	out := schema{}
	for _, table := range tables {
		out[table] = sqliteColumns(t, db, table)
	}
	return out
}

func sqliteColumns(t *testing.T, db *sql.DB, table string) map[string]bool {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT name, "notnull" FROM pragma_table_info(?)`, table)
	if err != nil {
		t.Fatalf("table_info(%s): %v", table, err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		var notNull bool
		if err := rows.Scan(&name, &notNull); err != nil {
			t.Fatalf("scan table_info(%s): %v", table, err)
		}
		cols[name] = !notNull
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("table_info(%s): %v", table, err)
	}
	return cols
}

// diffSchemas lists every table and column that is not the same in a and b.
func diffSchemas(a, b schema) string {
	var sb strings.Builder
	for _, table := range unionKeys(a, b) {
		ca, inA := a[table]
		cb, inB := b[table]
		switch {
		case !inA:
			fmt.Fprintf(&sb, "+ table %s\n", table)
			continue
		case !inB:
			fmt.Fprintf(&sb, "- table %s\n", table)
			continue
		}
		for _, col := range unionKeys(ca, cb) {
			na, okA := ca[col]
			nb, okB := cb[col]
			switch {
			case !okA:
				fmt.Fprintf(&sb, "+ %s.%s (%s)\n", table, col, nullability(nb))
			case !okB:
				fmt.Fprintf(&sb, "- %s.%s (%s)\n", table, col, nullability(na))
			case na != nb:
				fmt.Fprintf(&sb, "~ %s.%s: postgres %s, sqlite %s\n", table, col, nullability(na), nullability(nb))
			}
		}
	}
	return sb.String()
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func nullability(nullable bool) string {
	if nullable {
		return "NULL"
	}
	return "NOT NULL"
}
