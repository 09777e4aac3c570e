package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

func accountsCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("accounts create", "Makes an account with one test secret key and prints both; the key is not kept and is shown only once. Safe while a server runs on the same store.", stdout, stderr)
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
	svc := service.New(service.Config{Store: store})
	a, secret, err := svc.CreateAccount(ctx, service.AccountParams{ID: *id, Name: *name, DefaultCurrency: *currency, SecretKey: *key, SessionTTL: *ttl})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "account_id: %s\nsecret_key: %s\n", a.ID, secret)
	return nil
}

func accountsList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("accounts list", "Lists accounts: id, default currency, name, and the name customers see when it is another.", stdout, stderr)
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
		if a.PublicName() != a.Name {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", a.ID, a.DefaultCurrency, a.Name, a.PublicName())
			continue
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", a.ID, a.DefaultCurrency, a.Name)
	}
	return nil
}

func keysCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys create", "Makes a new secret key for an account and prints it; it is shown only once.", stdout, stderr)
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
	svc := service.New(service.Config{Store: store})
	secret, err := svc.CreateKey(ctx, *account, *live)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "secret_key: %s\n", secret)
	return nil
}

// parseWithID parses args that hold one positional KEY_ID anywhere among
// the flags (`keys roll KEY_ID --expire-old-in 1h` and
// `keys roll --expire-old-in 1h KEY_ID`): the flag package stops at the
// first positional argument, so it is taken out and parsing goes on.
func parseWithID(fs *flag.FlagSet, args []string) (string, error) {
	var id string
	flags := make([]string, 0, len(args))
	for rest := args; len(rest) > 0; {
		if err := fs.Parse(rest); err != nil {
			return "", err
		}
		parsed := rest[:len(rest)-fs.NArg()]
		flags = append(flags, parsed...)
		if fs.NArg() == 0 {
			break
		}
		if id != "" {
			return "", fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
		}
		id, rest = fs.Arg(0), fs.Args()[1:]
		if strings.HasPrefix(id, "-") && id != "-" {
			return "", fmt.Errorf("unexpected argument %q (see --help)", id)
		}
	}
	if err := parseFlags(fs, flags); err != nil {
		return "", err
	}
	if id == "" {
		return "", errors.New("the key id (key_…) is required; 'checkoutd keys list' shows them")
	}
	return id, nil
}

func keysList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys list", "Lists secret keys, one a line: id, account, mode (test or live), hint (the last four characters), "+
		"created, last used (- when never; recorded about once a minute), state (active, revoked, or expires/expired TIME for a rolled key). "+
		"Never the secrets, which are not kept.", stdout, stderr)
	var sf storeFlags
	sf.register(fs)
	account := fs.String("account", "", "list only this account's keys (default: every account's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	var ids []string
	if *account != "" {
		if _, err := store.GetAccount(ctx, *account); err != nil {
			if checkout.IsKind(err, checkout.KindNotFound) {
				return fmt.Errorf("--account: no such account %q", *account)
			}
			return err
		}
		ids = []string{*account}
	} else {
		accts, err := store.ListAccounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range accts {
			ids = append(ids, a.ID)
		}
	}
	now := time.Now()
	for _, id := range ids {
		for _, live := range []bool{false, true} {
			sc := checkout.Scope{AccountID: id, Livemode: live}
			// Pages come newest first; the lines go oldest first, as
			// accounts list does.
			var all []*checkout.APIKey
			for cursor := ""; ; {
				p, err := store.ListAPIKeys(ctx, sc, checkout.ListParams{Limit: service.MaxListLimit, StartingAfter: cursor})
				if err != nil {
					return err
				}
				all = append(all, p.Items...)
				if !p.HasMore || len(p.Items) == 0 {
					break
				}
				cursor = p.Items[len(p.Items)-1].ID
			}
			slices.Reverse(all)
			for _, k := range all {
				mode := "test"
				if k.Livemode {
					mode = "live"
				}
				fmt.Fprintf(stdout, "%s\t%s\t%s\t…%s\t%s\t%s\t%s\n", k.ID, k.AccountID, mode, k.Hint, cliTime(k.Created), cliTime(k.LastUsed), keyState(k, now))
			}
		}
	}
	return nil
}

func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func keyState(k *checkout.APIKey, now time.Time) string {
	switch {
	case !k.Revoked.IsZero():
		return "revoked"
	case k.ExpiresAt.IsZero():
		return "active"
	case now.Before(k.ExpiresAt):
		return "expires " + cliTime(k.ExpiresAt)
	}
	return "expired " + cliTime(k.ExpiresAt)
}

func keysRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys revoke KEY_ID", "Revokes a secret key for good: it answers 401 api_key_revoked from then on, on every server "+
		"within a few seconds. Revoking a revoked key changes nothing. Safe while servers run on the same store.", stdout, stderr)
	var sf storeFlags
	sf.register(fs)
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store})
	sc, err := svc.KeyScope(ctx, id)
	if err != nil {
		return err
	}
	k, err := svc.RevokeKey(ctx, sc, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked: %s (account %s, ending in %s) at %s\n", k.ID, k.AccountID, k.Hint, cliTime(k.Revoked))
	return nil
}

func keysRoll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys roll KEY_ID", "Makes a new secret key in the same account and mode as KEY_ID and prints it once; the old key "+
		"keeps working for --expire-old-in and then answers 401 api_key_expired. A revoked key, or one rolled already, cannot be rolled.", stdout, stderr)
	var sf storeFlags
	sf.register(fs)
	expire := fs.Duration("expire-old-in", 0, "how long the old key keeps working beside the new one, at most 168h (0: it stops at once)")
	id, err := parseWithID(fs, args)
	if err != nil {
		return err
	}
	if *expire < 0 || *expire > service.MaxRollOverlap {
		return fmt.Errorf("--expire-old-in must be between 0 and %v", service.MaxRollOverlap)
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(service.Config{Store: store})
	sc, err := svc.KeyScope(ctx, id)
	if err != nil {
		return err
	}
	old, next, secret, err := svc.RollKey(ctx, sc, id, *expire)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key_id: %s\nsecret_key: %s\nold_key_expires: %s\n", next.ID, secret, cliTime(old.ExpiresAt))
	return nil
}
