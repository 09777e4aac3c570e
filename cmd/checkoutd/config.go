package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// newFlags returns a FlagSet whose usage lists every flag with the
// environment variable that also sets it. name is the command as typed
// ("serve", "accounts create"); it decides the variables' names (envName).
// Help asked for (--help, -h) goes to stdout, like every other answer of a
// command that worked; after a flag it cannot parse, the usage goes to
// stderr with the error.
func newFlags(name, summary string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package writes its own errors to the output, then the
	// usage: an error seen first says where the usage belongs.
	errs := &seenWriter{w: stderr}
	fs.SetOutput(errs)
	fs.Usage = func() {
		w := stdout
		if errs.seen {
			w = stderr
		}
		fmt.Fprintf(w, "Usage: checkoutd %s [flags]\n\n%s\n\nFlags (each also read from its environment variable; a flag given on the command line wins):\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s\n        %s%s\n        env %s\n", f.Name, f.Usage, def, envName(name, f.Name))
		})
	}
	return fs
}

// seenWriter writes to w and remembers that it was written to.
type seenWriter struct {
	w    io.Writer
	seen bool
}

func (s *seenWriter) Write(p []byte) (int, error) {
	s.seen = true
	return s.w.Write(p)
}

// envPrefixes says, for each command (its first word), what the variables
// of its own flags start with. serve's and migrate's flags are the
// operator's configuration and keep the plain CHECKOUTD_<FLAG>, which the
// README documents and deployments use. The other commands' flags carry the
// command's name, so that a variable set for the server, or for something
// else (CHECKOUTD_NAME, CHECKOUTD_URL), is never picked up by surprise:
// accounts create --name is CHECKOUTD_ACCOUNT_NAME, listen --url is
// CHECKOUTD_LISTEN_URL. A command missing here fails its --help test.
var envPrefixes = map[string]string{
	"serve":    "CHECKOUTD_",
	"migrate":  "CHECKOUTD_",
	"version":  "CHECKOUTD_",
	"accounts": "CHECKOUTD_ACCOUNT_",
	// Its --secret-key is a provider's, never the account's API key that
	// accounts create's CHECKOUTD_ACCOUNT_SECRET_KEY gives.
	"accounts providers": "CHECKOUTD_PROVIDER_",
	"keys":               "CHECKOUTD_KEY_",
	"listen":             "CHECKOUTD_LISTEN_",
}

// sharedFlags are the flags every command reads from the same variable
// whatever its prefix: the store flags (storeFlags.register), since one
// CHECKOUTD_STORE / CHECKOUTD_REDIS_URL is meant for all of them.
var sharedFlags = func() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	// The chains are the operator's too: accounts providers set checks an
	// account's stablecoin settings against the same CHECKOUTD_CHAIN, … as
	// serve reads.
	var coins stablecoinFlags
	coins.register(fs)
	m := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { m[f.Name] = true })
	return m
}()

// envName is the environment variable of a command's flag: the command's
// prefix (envPrefixes; CHECKOUTD_ for the shared store flags) and the flag's
// name in upper case with dashes as underscores.
func envName(command, flagName string) string {
	prefix := "CHECKOUTD_"
	if !sharedFlags[flagName] {
		group, rest, _ := strings.Cut(command, " ")
		sub, _, _ := strings.Cut(rest, " ")
		p, ok := envPrefixes[group+" "+sub] // a subgroup with a prefix of its own
		if !ok {
			p, ok = envPrefixes[group]
		}
		if !ok {
			panic("checkoutd: no environment prefix for command " + command + " (see envPrefixes)")
		}
		prefix = p
	}
	return prefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args, then fills every flag not given on the command line
// from its environment variable. A command line or variable it cannot parse
// is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (see --help)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := envName(fs.Name(), f.Name)
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = usagef("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}
