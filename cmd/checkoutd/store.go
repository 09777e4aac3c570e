package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/postgres"
	redisstore "github.com/checkoutd/checkoutd/store/redis"
	"github.com/checkoutd/checkoutd/store/sqlite"
)

// storeFlags are the flags that say where the data lives; every command that
// touches the store takes them.
type storeFlags struct {
	data           string
	kind           string
	redisURL       string
	redisRetention time.Duration
	redisPrefix    string
	redisCAFile    string
	postgresURL    string
	// allowVolatile is serve's --redis-allow-volatile (only serve checks).
	allowVolatile bool
	// warn, when set, is told what the server was allowed to run on
	// regardless (a volatile Redis), so that the logs say so.
	warn func(msg string, args ...any)
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "./data", "directory of the embedded SQLite store (created if missing), and of the webhook encryption key by default")
	fs.StringVar(&f.kind, "store", "sqlite", "where checkoutd keeps its data: sqlite (embedded, one node), redis or postgres (both shared by any number of replicas)")
	fs.StringVar(&f.redisURL, "redis-url", "", "Redis to use with --store redis, e.g. redis://127.0.0.1:6379/0")
	fs.DurationVar(&f.redisRetention, "redis-retention", 30*24*time.Hour, "with --store redis, how long a session and its payments and events are kept after it expires (at least 1h)")
	fs.StringVar(&f.redisPrefix, "redis-prefix", "checkout:", "with --store redis, what every key starts with, so several deployments can share one Redis")
	fs.StringVar(&f.redisCAFile, "redis-ca-file", "", "with a rediss:// --redis-url, a PEM file of the CA certificates that sign the Redis server's certificate (a private CA), trusted instead of the system's; the certificate is always verified")
	fs.StringVar(&f.postgresURL, "postgres-url", "", "PostgreSQL to use with --store postgres, e.g. postgres://checkoutd@127.0.0.1:5432/checkoutd")
}

// opening says how a command opens the store.
type opening int

const (
	existing opening = iota // a missing SQLite store is a mistake (a typo in --data)
	creating                // a missing SQLite store is made (accounts create, migrate)
	serving                 // creating, for the process that serves it (see sqlite.OpenOwner)
)

// open opens the store. The server stores apply their migrations when
// opened.
func (f *storeFlags) open(ctx context.Context, how opening) (checkout.Store, error) {
	switch f.kind {
	case "sqlite":
		path := filepath.Join(f.data, "checkoutd.db")
		if how == existing {
			if _, err := os.Stat(path); err != nil {
				return nil, fmt.Errorf("no store at %s (check --data): %w", path, err)
			}
		}
		if err := os.MkdirAll(f.data, 0o700); err != nil {
			return nil, fmt.Errorf("creating the data directory: %w", err)
		}
		if how == serving {
			return sqlite.OpenOwner(path)
		}
		return sqlite.Open(path)
	case "redis":
		if f.redisURL == "" {
			return nil, fmt.Errorf("--store redis needs --redis-url (or CHECKOUTD_REDIS_URL)")
		}
		if err := checkScheme("--redis-url", f.redisURL, "redis", "rediss", "unix"); err != nil {
			return nil, err
		}
		if f.redisRetention < time.Hour {
			return nil, fmt.Errorf("--redis-retention must be at least 1h, got %s", f.redisRetention)
		}
		roots, err := f.redisRoots()
		if err != nil {
			return nil, err
		}
		st, err := redisstore.Open(ctx, f.redisURL, redisstore.Options{Prefix: f.redisPrefix, Retention: f.redisRetention, RootCAs: roots})
		if err != nil {
			return nil, fmt.Errorf("--redis-url: %w%s", err, f.certificateHint(err))
		}
		// Only a server runs money through the store; the short-lived
		// commands (accounts, keys, migrate) may run on any Redis.
		if how == serving {
			if err := st.CheckDurable(ctx); err != nil && !f.allowVolatile {
				st.Close()
				return nil, fmt.Errorf("refusing to serve on --redis-url: %v. The README (Choosing a store) says why; fix the Redis configuration, or pass --redis-allow-volatile (CHECKOUTD_REDIS_ALLOW_VOLATILE) for tests and demos that may lose everything", err)
			} else if err != nil && f.warn != nil {
				f.warn("serving on a Redis that can lose what it is told, as --redis-allow-volatile allows: never run money this way", "reason", err.Error())
			}
		}
		return st, nil
	case "postgres":
		if f.postgresURL == "" {
			return nil, fmt.Errorf("--store postgres needs --postgres-url (or CHECKOUTD_POSTGRES_URL)")
		}
		if err := checkScheme("--postgres-url", f.postgresURL, "postgres", "postgresql"); err != nil {
			return nil, err
		}
		st, err := postgres.Open(ctx, f.postgresURL)
		if err != nil {
			return nil, fmt.Errorf("--postgres-url: %w", err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("--store must be sqlite, redis or postgres, got %q", f.kind)
}

// redisRoots checks what --redis-url and --redis-ca-file say about TLS
// and reads the CA file: nil when none is given (the system's CAs). The
// store refuses the same mistakes; checking here names the flags.
func (f *storeFlags) redisRoots() (*x509.CertPool, error) {
	u, err := url.Parse(f.redisURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url is not a URL: %v", err)
	}
	if u.Scheme == "rediss" && u.Query().Has("skip_verify") {
		return nil, errors.New("--redis-url has skip_verify, which would accept any server's certificate: checkoutd always verifies it; remove skip_verify, and give a private CA with --redis-ca-file")
	}
	if f.redisCAFile == "" {
		return nil, nil
	}
	if u.Scheme != "rediss" {
		return nil, fmt.Errorf("--redis-ca-file is given but --redis-url is a %s:// URL, which does not use TLS: use rediss://", u.Scheme)
	}
	data, err := os.ReadFile(f.redisCAFile)
	if err != nil {
		return nil, fmt.Errorf("--redis-ca-file: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("--redis-ca-file %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", f.redisCAFile)
	}
	return roots, nil
}

// certificateHint is what to add to an error of opening Redis when the
// server's certificate was refused for want of a CA that signed it.
func (f *storeFlags) certificateHint(err error) string {
	var unknown x509.UnknownAuthorityError
	switch {
	case !errors.As(err, &unknown):
		return ""
	case f.redisCAFile == "":
		return "; if a private CA signs the server's certificate, give it with --redis-ca-file"
	}
	return "; the CA in --redis-ca-file did not sign the server's certificate"
}

// checkScheme refuses a URL of another kind early, with the flag's name,
// rather than letting a driver fail on it later with its own words.
func checkScheme(flagName, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s is not a URL: %v", flagName, err)
	}
	if !slices.Contains(schemes, u.Scheme) {
		return fmt.Errorf("%s must be a %s:// URL, got %q", flagName, schemes[0], u.Scheme+"://…")
	}
	return nil
}

// describe names the store for the start-up line, without credentials.
func (f *storeFlags) describe() string {
	switch f.kind {
	case "sqlite":
		return "data in " + f.data
	case "postgres":
		return "store postgres"
	}
	return "store " + f.kind
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Brings the store's schema up to date and says what it applied. serve does the same when it starts; run this first to upgrade before starting new replicas.", stdout, stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch sf.kind {
	case "postgres":
		if sf.postgresURL == "" {
			return fmt.Errorf("--store postgres needs --postgres-url (or CHECKOUTD_POSTGRES_URL)")
		}
		if err := checkScheme("--postgres-url", sf.postgresURL, "postgres", "postgresql"); err != nil {
			return err
		}
		applied, err := postgres.Migrate(ctx, sf.postgresURL)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "postgres: schema is up to date")
		}
		for _, name := range applied {
			fmt.Fprintln(stdout, "postgres: applied", name)
		}
		return nil
	case "redis":
		// Open checks the URL and the connection; Redis keeps no schema.
		st, err := sf.open(ctx, creating)
		if err != nil {
			return err
		}
		st.Close()
		fmt.Fprintln(stdout, "redis: nothing to migrate (Redis keeps no schema)")
		return nil
	}
	st, err := sf.open(ctx, creating)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: schema is up to date\n", sf.kind)
	return nil
}
