package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/checkoutd/checkoutd/service"
)

func accountsCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("accounts create", "Makes an account with one test secret key and prints both; the key is not kept and is shown only once. Safe while a server runs on the same store.", stderr)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("name", "", "display name of the account (required)")
	id := fs.String("id", "", "account id (default: generated acct_…)")
	key := fs.String("secret-key", "", "test secret key to give the account instead of a random one (must start with sk_test_)")
	currency := fs.String("default-currency", "GHS", "currency of sessions that name none")
	ttl := fs.Duration("session-ttl", 24*time.Hour, "how long a new session stays open by default (1m to 720h)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--name is required (or set %s)", envName(fs.Name(), "name"))
	}
	store, err := sf.open(ctx, creating)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(store, "", slog.New(slog.DiscardHandler))
	a, secret, err := svc.CreateAccount(ctx, service.AccountParams{ID: *id, Name: *name, DefaultCurrency: *currency, SecretKey: *key, SessionTTL: *ttl})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "account_id: %s\nsecret_key: %s\n", a.ID, secret)
	return nil
}

func accountsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("accounts list", "Lists accounts: id, default currency, name.", stderr)
	var sf storeFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	accts, err := store.ListAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accts {
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", a.ID, a.DefaultCurrency, a.Name)
	}
	return nil
}

func keysCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys create", "Makes a new secret key for an account and prints it; it is shown only once.", stderr)
	var sf storeFlags
	sf.register(fs)
	account := fs.String("account", "", "id of the account (required)")
	live := fs.Bool("live", false, "make a live key (sk_live_…) instead of a test key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *account == "" {
		return fmt.Errorf("--account is required (or set %s)", envName(fs.Name(), "account"))
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(store, "", slog.New(slog.DiscardHandler))
	secret, err := svc.CreateKey(ctx, *account, *live)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "secret_key: %s\n", secret)
	return nil
}
