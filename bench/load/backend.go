package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/postgres"
	redisstore "github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/sqlite"
)

// Stores -store accepts.
var storeKinds = []string{"sqlite", "redis", "postgres"}

// backend is the store the measured server runs over. A run keeps to data of
// its own: SQLite files in its temporary directory; in Redis, keys under a
// prefix unique to the run (removed with SCAN + UNLINK at the end, never a
// FLUSHDB: the Redis may be shared); in PostgreSQL, schemas unique to the run
// (dropped with CASCADE at the end). Each store of the run is a part: "api"
// for (b) to (f), "list" for (d), so (d) starts on an empty store as it does
// over SQLite.
type backend struct {
	kind        string
	redisURL    string // as given
	postgresURL string // as given; each part adds its search_path
	runID       string
}

func (b *backend) redisPrefix(part string) string { return redisRunPrefix(b.runID) + part + ":" }

func (b *backend) schema(part string) string { return pgSchema(b.runID, part) }

// redisRunPrefix starts every key of the run; runID is [0-9a-z] (see runID),
// so it holds no SCAN pattern character.
func redisRunPrefix(runID string) string { return "bench:" + runID + ":" }

// pgSchema is the schema of one part of the run: a plain lower-case
// identifier, so it needs no quoting.
func pgSchema(runID, part string) string { return "bench_" + runID + "_" + part }

// withSearchPath returns the PostgreSQL URL raw with search_path set to
// schema (pgx sends the URL's unknown query parameters to the server as
// settings), replacing any search_path it had and keeping everything else.
func withSearchPath(raw, schema string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("-postgres-url: %w", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("-postgres-url must be a postgres:// URL, got %q", u.Scheme+"://…")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// check refuses a wrong -store or URL before anything is built or started.
func (b *backend) check() error {
	switch b.kind {
	case "sqlite":
		return nil
	case "redis":
		u, err := url.Parse(b.redisURL)
		if err != nil {
			return fmt.Errorf("-redis-url: %w", err)
		}
		if !slices.Contains([]string{"redis", "rediss", "unix"}, u.Scheme) {
			return fmt.Errorf("-redis-url must be a redis:// URL, got %q", u.Scheme+"://…")
		}
		return nil
	case "postgres":
		_, err := withSearchPath(b.postgresURL, b.schema("api"))
		return err
	}
	return fmt.Errorf("-store must be one of %s, got %q", strings.Join(storeKinds, ", "), b.kind)
}

// prepare makes the part's store ready to be used (for PostgreSQL, its empty
// schema) and registers its removal with atCleanup.
func (b *backend) prepare(ctx context.Context, part string) error {
	switch b.kind {
	case "redis":
		c, err := b.redisClient()
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("redis %s: %w", redactURL(b.redisURL), err)
		}
		prefix := b.redisPrefix(part)
		atCleanup("redis keys "+prefix+"*", func(ctx context.Context) error { return b.deleteKeys(ctx, prefix) })
	case "postgres":
		schema := b.schema(part)
		if err := b.pgExec(ctx, "CREATE SCHEMA "+schema); err != nil {
			return err
		}
		atCleanup("postgres schema "+schema, func(ctx context.Context) error {
			return b.pgExec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		})
	}
	return nil
}

// serveArgs are the flags of checkoutd serve for the part's store (the
// SQLite store is the --data directory startServer always passes).
func (b *backend) serveArgs(part string) ([]string, error) {
	switch b.kind {
	case "redis":
		// A benchmark may well run on a Redis without persistence (the
		// machine's, CI's); it measures speed, not durability.
		return []string{"--store", "redis", "--redis-url", b.redisURL, "--redis-prefix", b.redisPrefix(part), "--redis-allow-volatile"}, nil
	case "postgres":
		u, err := withSearchPath(b.postgresURL, b.schema(part))
		if err != nil {
			return nil, err
		}
		return []string{"--store", "postgres", "--postgres-url", u}, nil
	}
	return nil, nil
}

// open opens the part's store in this process, as checkoutd serve would with
// serveArgs; dataDir is the SQLite store's directory.
func (b *backend) open(ctx context.Context, part, dataDir string) (checkout.Store, error) {
	switch b.kind {
	case "redis":
		return redisstore.Open(ctx, b.redisURL, redisstore.Options{Prefix: b.redisPrefix(part)})
	case "postgres":
		u, err := withSearchPath(b.postgresURL, b.schema(part))
		if err != nil {
			return nil, err
		}
		return postgres.Open(ctx, u)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(filepath.Join(dataDir, dbFile))
}

// describe names the part's store for the report, without credentials.
func (b *backend) describe(part string) string {
	switch b.kind {
	case "redis":
		return fmt.Sprintf("redis at %s, keys under `%s` (deleted at the end)", redactURL(b.redisURL), b.redisPrefix(part))
	case "postgres":
		return fmt.Sprintf("postgres at %s, schema `%s` (dropped at the end)", redactURL(b.postgresURL), b.schema(part))
	}
	return "sqlite in the run's temporary directory"
}

func (b *backend) redisClient() (*goredis.Client, error) {
	o, err := goredis.ParseURL(b.redisURL)
	if err != nil {
		return nil, fmt.Errorf("-redis-url: %w", err)
	}
	return goredis.NewClient(o), nil
}

// deleteKeys unlinks every key that starts with prefix, SCANning for them:
// never FLUSHDB, the Redis may hold other people's data.
func (b *backend) deleteKeys(ctx context.Context, prefix string) error {
	c, err := b.redisClient()
	if err != nil {
		return err
	}
	defer c.Close()
	n := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := c.Unlink(ctx, batch...).Err(); err != nil {
			return err
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	logf("deleted %d redis keys under %s", n, prefix)
	return nil
}

// pgExec runs one statement on a connection of its own, on the URL as given
// (the run's schemas are made and dropped from outside them).
func (b *backend) pgExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, connURL(b.postgresURL))
	if err != nil {
		return fmt.Errorf("postgres %s: %w", redactURL(b.postgresURL), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("postgres: %s: %w", sql, err)
	}
	return nil
}

// connURL is the PostgreSQL URL raw without the pool's settings
// (pool_max_conns, …): pgxpool reads them, but a single pgx connection would
// send them to the server, which refuses them.
func connURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redactURL drops a URL's password, for logs and the report.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// cleanups are what must be undone outside this process (keys, schemas) on
// every way out, like procs and the temporary directory.
var (
	cleanupsMu sync.Mutex
	cleanups   []cleanup
)

type cleanup struct {
	what string
	do   func(context.Context) error
}

func atCleanup(what string, do func(context.Context) error) {
	cleanupsMu.Lock()
	cleanups = append(cleanups, cleanup{what, do})
	cleanupsMu.Unlock()
}

// runCleanups runs every registered cleanup once, newest first, on a context
// of its own (the run's may be cancelled by Ctrl-C); call it after stopAll,
// when no server uses the stores any more.
func runCleanups() error {
	cleanupsMu.Lock()
	cs := cleanups
	cleanups = nil
	cleanupsMu.Unlock()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		if err := cs[i].do(ctx); err != nil {
			logf("cleanup of %s failed: %v", cs[i].what, err)
			errs = append(errs, fmt.Errorf("removing %s: %w", cs[i].what, err))
		}
		cancel()
	}
	return errors.Join(errs...)
}

// scenarios are the API scenarios -scenarios selects.
type scenarios struct {
	create, retrieve, page, flow, list bool
}

const allScenarios = "create,retrieve,page,flow,list"

// parseScenarios reads -scenarios: a comma-separated list of create,
// retrieve, page, flow and list, or "all". retrieve and page load sessions
// that create made, so they need it.
func parseScenarios(s string) (scenarios, error) {
	var sc scenarios
	if strings.TrimSpace(s) == "all" {
		s = allScenarios
	}
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "create":
			sc.create = true
		case "retrieve":
			sc.retrieve = true
		case "page":
			sc.page = true
		case "flow":
			sc.flow = true
		case "list":
			sc.list = true
		case "":
		default:
			return sc, fmt.Errorf("-scenarios: unknown scenario %q (want some of %s, or all)", strings.TrimSpace(name), allScenarios)
		}
	}
	if sc == (scenarios{}) {
		return sc, fmt.Errorf("-scenarios: none given (want some of %s, or all)", allScenarios)
	}
	if (sc.retrieve || sc.page) && !sc.create {
		return sc, errors.New("-scenarios: retrieve and page load the sessions create makes: add create")
	}
	return sc, nil
}

// api says whether any scenario needs the API server of (b) to (f).
func (sc scenarios) api() bool { return sc.create || sc.retrieve || sc.page || sc.flow }
