// Command checkoutd runs the checkoutd service and its operator commands.
//
//	checkoutd [serve] [flags]    run the service (the default)
//	checkoutd accounts create    make an account and print its test key
//	checkoutd accounts list      list accounts
//	checkoutd accounts update    change an account's name, profile and branding
//	checkoutd keys create        make another key for an account
//	checkoutd keys list          list keys
//	checkoutd keys revoke ID     revoke a key
//	checkoutd keys roll ID       replace a key, the old one expiring later
//	checkoutd listen             forward an account's events to a local URL
//	checkoutd migrate            bring the store's schema up to date
//	checkoutd version            print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
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
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a command line checkoutd cannot run as written (an unknown
// command or flag, a missing subcommand): exit status 2, as Go's flag
// package and most Unix tools use for it, apart from 1 for a command that
// ran and failed.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// command is one thing checkoutd does. The table below is the one list of
// them: run dispatches on it, and the help texts are made from it, so a new
// command or subcommand is one line here.
type command struct {
	name string // "serve", or "group sub" for a subcommand
	args string // what follows the name in the help
	doc  string
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "[flags]", "run the service (the default command: 'checkoutd [flags]' is 'checkoutd serve [flags]')", serve},
		{"accounts create", "--name NAME [flags]", "make an account; prints its id and test key once", accountsCreate},
		{"accounts list", "[flags]", "list accounts", accountsList},
		{"accounts update", "--account ID [flags]", "change an account's name, public profile and branding (logo, colours)", accountsUpdate},
		{"accounts providers", "set|list|remove --account ID [--provider NAME] [--live] [flags]", "set, list or remove an account's payment providers and their credentials", accountsProviders},
		{"keys create", "--account ID [--live] [flags]", "make a new secret key for an account; printed once", keysCreate},
		{"keys list", "[--account ID] [flags]", "list keys: id, account, mode, hint, created, last used", keysList},
		{"keys revoke", "KEY_ID [flags]", "revoke a key; every server refuses it within seconds", keysRevoke},
		{"keys roll", "KEY_ID [--expire-old-in 24h] [flags]", "a new key, printed once; the old one stops after the delay", keysRoll},
		{"listen", "--forward-to URL --api-key KEY", "forward your account's events, signed, to a local URL", listen},
		{"migrate", "[flags]", "bring the store's schema up to date (serve also does it at start)", migrate},
		{"version", "", "print the version, the revision it was built from and the Go version", printVersion},
	}
}

// writeCommands writes the table of the commands whose name starts with
// prefix ("" for all).
func writeCommands(w io.Writer, prefix string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		if strings.HasPrefix(c.name, prefix) {
			fmt.Fprintf(tw, "  checkoutd %s %s\t%s\n", c.name, c.args, c.doc)
		}
	}
	tw.Flush()
}

func writeUsage(w io.Writer) {
	fmt.Fprint(w, "checkoutd — self-hostable hosted checkout.\n\nUsage:\n")
	writeCommands(w, "")
	fmt.Fprint(w, `
Every command that opens the store takes --store sqlite|redis|postgres (default sqlite,
in --data) with --redis-url or --postgres-url.

Run 'checkoutd <command> --help' for a command's flags and environment variables.
Exit status: 0 done, 1 failed, 2 a usage error (unknown command or flag).
`)
}

// writeGroupUsage is the help of a group of subcommands such as accounts.
func writeGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n")
	writeCommands(w, group+" ")
	fmt.Fprintf(w, "\nRun 'checkoutd %s <subcommand> --help' for its flags and environment variables.\n", group)
}

func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "--help", "-help":
		return true
	}
	return false
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, args, stdout, stderr)
	}
	switch {
	case isHelp(args[0]):
		writeUsage(stdout)
		return nil
	case args[0] == "--version" || args[0] == "-version":
		return printVersion(ctx, args[1:], stdout, stderr)
	case strings.HasPrefix(args[0], "-"):
		return serve(ctx, args, stdout, stderr) // flags of the default command
	}
	var group bool
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
		if g, sub, ok := strings.Cut(c.name, " "); ok && g == args[0] {
			group = true
			if len(args) > 1 && sub == args[1] {
				return c.run(ctx, args[2:], stdout, stderr)
			}
		}
	}
	if !group {
		writeUsage(stderr)
		return usagef("unknown command %q", args[0])
	}
	if len(args) > 1 && isHelp(args[1]) {
		writeGroupUsage(stdout, args[0])
		return nil
	}
	writeGroupUsage(stderr, args[0])
	if len(args) == 1 {
		return usagef("%s: want a subcommand", args[0])
	}
	return usagef("%s: unknown subcommand %q", args[0], args[1])
}
