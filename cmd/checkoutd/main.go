// Command checkoutd runs the checkoutd service and its operator commands.
//
//	checkoutd [serve] [flags]    run the service (the default)
//	checkoutd accounts create    make an account and print its test key
//	checkoutd accounts list      list accounts
//	checkoutd keys create        make another key for an account
//	checkoutd keys list          list keys
//	checkoutd keys revoke ID     revoke a key
//	checkoutd keys roll ID       replace a key, the old one expiring later
//	checkoutd listen             forward an account's events to a local URL
//	checkoutd migrate            bring the store's schema up to date
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkoutd:", err)
		os.Exit(1)
	}
}

const usage = `checkoutd — self-hostable hosted checkout.

Usage:
  checkoutd [serve] [flags]        run the service (the default command)
  checkoutd accounts create [flags] make an account; prints its id and test key once
  checkoutd accounts list [flags]   list accounts
  checkoutd keys create [flags]     make a new secret key for an account; printed once
  checkoutd keys list [flags]       list keys: id, account, mode, hint, created, last used
  checkoutd keys revoke KEY_ID      revoke a key; every server refuses it within seconds
  checkoutd keys roll KEY_ID [--expire-old-in 24h]
                                    a new key, printed once; the old one stops after the delay
  checkoutd listen [flags]          forward your account's events, signed, to a local URL
                                    (--forward-to http://127.0.0.1:3000/webhooks --api-key sk_test_…)
  checkoutd migrate [flags]         bring the store's schema up to date (serve also does it at start)

Every command that opens the store takes --store sqlite|redis|postgres (default sqlite,
in --data) with --redis-url or --postgres-url.

Run 'checkoutd <command> --help' for a command's flags and environment variables.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, args, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "accounts":
		if len(args) > 1 && args[1] == "create" {
			return accountsCreate(ctx, args[2:], stdout, stderr)
		}
		if len(args) > 1 && args[1] == "list" {
			return accountsList(ctx, args[2:], stdout, stderr)
		}
		fmt.Fprint(stderr, usage)
		return errors.New("accounts: want 'accounts create' or 'accounts list'")
	case "keys":
		if len(args) > 1 {
			switch args[1] {
			case "create":
				return keysCreate(ctx, args[2:], stdout, stderr)
			case "list":
				return keysList(ctx, args[2:], stdout, stderr)
			case "revoke":
				return keysRevoke(ctx, args[2:], stdout, stderr)
			case "roll":
				return keysRoll(ctx, args[2:], stdout, stderr)
			}
		}
		fmt.Fprint(stderr, usage)
		return errors.New("keys: want 'keys create', 'keys list', 'keys revoke' or 'keys roll'")
	case "listen":
		return listen(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(args[0]) > 0 && args[0][0] == '-' {
		return serve(ctx, args, stdout, stderr) // flags of the default command
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
