package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are applied in name order, each once; schema_migrations keeps
// the names applied. A name is never reused or edited once released: a
// change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Migrate connects to the database at url, applies the missing migrations
// and returns the names it applied, none when the schema is current. It is
// what an operator runs to upgrade the schema ahead of a deployment; Open
// does the same on its own.
func Migrate(ctx context.Context, url string) ([]string, error) {
	pool, err := connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

// migrate applies the missing migrations in one transaction that first
// takes an advisory lock, so two processes migrating one schema at once
// apply them exactly once: the second waits for the first to commit, then
// finds nothing left to do. The lock is per schema (current_schema()), so
// stores in other schemas of the same database do not wait on each other.
// The transaction-level lock is released by the commit or rollback itself,
// so a process that dies mid-migration leaves neither a lock nor a half
// schema behind.
func migrate(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	slices.Sort(names)
	for i, n := range names {
		names[i] = n[len("migrations/"):]
	}

	var applied []string
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// current_schema() is where CREATE TABLE puts the tables: the first
		// schema of the search_path that exists.
		var schema *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if schema == nil {
			return fmt.Errorf("postgres: migrate: no schema of the search_path exists")
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('checkoutd migrate ' || $1))`, *schema); err != nil {
			return fmt.Errorf("postgres: migrate: lock: %w", err)
		}
		// The table is made only when missing, so that a current schema
		// opens without the CREATE privilege: deployments may migrate with
		// an owner role and serve with a lesser one.
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_tables
			WHERE schemaname = current_schema() AND tablename = 'schema_migrations')`).Scan(&exists); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if !exists {
			if _, err := tx.Exec(ctx, `CREATE TABLE schema_migrations (
				name       text        PRIMARY KEY,
				applied_at timestamptz NOT NULL DEFAULT now()
			)`); err != nil {
				return fmt.Errorf("postgres: migrate: %w", err)
			}
		}
		rows, err := tx.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
		if err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		for _, name := range done {
			if !slices.Contains(names, name) {
				return fmt.Errorf("postgres: the database schema %q has migration %s, which this checkoutd does not know: "+
					"it was migrated by a newer version; run that version or newer", *schema, name)
			}
		}
		for _, name := range names {
			if slices.Contains(done, name) {
				continue
			}
			b, err := migrations.ReadFile("migrations/" + name)
			if err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			// Without arguments pgx sends the file with the simple
			// protocol, which runs several statements in one message.
			if _, err := tx.Exec(ctx, string(b)); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", name, err)
			}
			applied = append(applied, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if applied == nil {
		applied = []string{}
	}
	return applied, nil
}
