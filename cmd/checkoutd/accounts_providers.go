package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/service"
)

// credentialFlags are the flags of accounts providers set, by the
// credential each sets (the API's parameter names, with dashes).
var credentialFlags = []string{"secret_key", "publishable_key", "webhook_secret", "account_id", "api_key",
	"environment", "mb_key", "entity", "sub_entity", "anti_phishing_key", "xpub", "supported_tokens"}

func flagOf(param string) string { return "--" + strings.ReplaceAll(param, "_", "-") }

// accountsProviders sets, lists and removes an account's payment providers
// in one mode, as /v1/account/providers does. Like accounts update it
// works beside running servers: the settings are one compare-and-set
// object, and every server reads them fresh for each payment.
func accountsProviders(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprint(w, "Usage: checkoutd accounts providers set|list|remove [flags]\n\n  checkoutd accounts providers set --account ID --provider NAME [--live] [--secret-key …] [--default-for card,multibanco] [flags]\n"+
			"  checkoutd accounts providers list --account ID [--live] [flags]\n  checkoutd accounts providers remove --account ID --provider NAME [--live] [flags]\n\n"+
			"Run 'checkoutd accounts providers <set|list|remove> --help' for the flags.\n")
		if len(args) == 0 {
			return usagef("accounts providers: want set, list or remove")
		}
		return nil
	}
	verb, args := args[0], args[1:]
	if !slices.Contains([]string{"set", "list", "remove"}, verb) {
		return usagef("accounts providers: unknown subcommand %q (want set, list or remove)", verb)
	}
	summary := map[string]string{
		"set": "Sets a payment provider's credentials for an account in one mode (test unless --live), as POST /v1/account/providers/{name} does: " +
			"credentials given replace the stored ones (an empty value removes one), the others stay. Secrets are encrypted with the server's " +
			"encryption key and never shown again, only their last four characters; pass them in the CHECKOUTD_PROVIDER_* variables to keep them " +
			"out of the shell's history. Safe while servers run: the next payment on every server uses the change.",
		"list":   "Lists an account's payment providers in one mode: what is set, secrets as their last four characters.",
		"remove": "Forgets a provider's credentials and defaults for an account in one mode.",
	}[verb]
	fs := newFlags("accounts providers "+verb, summary, stdout, stderr)
	var sf storeFlags
	sf.register(fs)
	account := fs.String("account", "", "id of the account (required)")
	live := fs.Bool("live", false, "the live mode's settings (default: test mode's)")
	var provider *string
	if verb != "list" {
		provider = fs.String("provider", "", "the provider: "+strings.Join(service.ProviderNames(), ", ")+" (required)")
	}
	creds := map[string]*optFlag{}
	var keyFile, defaultFor *string
	var coins stablecoinFlags // serve's chains, to check supported_tokens against
	if verb == "set" {
		coins.register(fs)
		keyFile = fs.String("encryption-key-file", "", "the server's encryption key file (serve's --encryption-key-file); default <data>/encryption.key")
		defaultFor = fs.String("default-for", "", "make the provider the account's default for these methods in the mode, comma-separated (card, multibanco, stablecoin)")
		for _, c := range credentialFlags {
			f := &optFlag{}
			creds[c] = f
			fs.Var(f, strings.TrimPrefix(flagOf(c), "--"), credentialDoc[c])
		}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *account == "" {
		return fmt.Errorf("--account is required (or set %s)", envName(fs.Name(), "account"))
	}
	if provider != nil && *provider == "" {
		return fmt.Errorf("--provider is required: one of %s", strings.Join(service.ProviderNames(), ", "))
	}
	store, err := sf.open(ctx, existing)
	if err != nil {
		return err
	}
	defer store.Close()
	cfg := service.Config{Store: store}
	if verb == "set" {
		if err := coins.validate(); err != nil {
			return err
		}
		cfg.Tokens = coins.modes()
		if cfg.Sealer, err = loadSealer(*keyFile, sf.data); err != nil {
			return err
		}
	}
	svc := service.New(cfg)
	if _, err := svc.GetAccount(ctx, *account); err != nil {
		if checkout.IsKind(err, checkout.KindNotFound) {
			return fmt.Errorf("--account: no such account %q", *account)
		}
		return err
	}
	scope := checkout.Scope{AccountID: *account, Livemode: *live}
	switch verb {
	case "set":
		p := service.ProviderParams{Credentials: map[string]string{}}
		for name, f := range creds {
			if f.v != nil {
				p.Credentials[name] = *f.v
			}
		}
		if *defaultFor != "" {
			p.DefaultFor = strings.Split(*defaultFor, ",")
		}
		v, err := svc.SetProvider(ctx, scope, *provider, p)
		if err != nil {
			return fmt.Errorf("%s", providerCLIMessage(err))
		}
		writeProvider(stdout, v)
	case "remove":
		if err := svc.RemoveProvider(ctx, scope, *provider); err != nil {
			return fmt.Errorf("%s", providerCLIMessage(err))
		}
		fmt.Fprintf(stdout, "removed: %s (%s mode)\n", *provider, modeWord(*live))
	case "list":
		views, err := svc.ListProviders(ctx, scope)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PROVIDER\tMODE\tCONFIGURED\tDEFAULT FOR\tCREDENTIALS")
		for _, v := range views {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, modeWord(v.Livemode), configuredWord(v), orDash(methodsOf(v.DefaultFor)), orDash(credentialsOf(v)))
		}
		tw.Flush()
	}
	return nil
}

var credentialDoc = map[string]string{
	"secret_key":        "Stripe: the secret key (sk_test_…/sk_live_…, or rk_…) of the mode; secret",
	"publishable_key":   "Stripe: the publishable key (pk_test_…/pk_live_…)",
	"webhook_secret":    "Stripe: the webhook signing secret (whsec_…); secret",
	"account_id":        "Easypay: the account id (a UUID)",
	"api_key":           "Easypay: the API key (a UUID); secret",
	"environment":       "Easypay: sandbox (test mode only) or production (the default): which of Easypay's APIs the keys are for",
	"mb_key":            "Ifthenpay: the Multibanco key (ABC-123456); secret",
	"entity":            "Ifthenpay: the Multibanco entity (5 digits), with --sub-entity, instead of --mb-key",
	"sub_entity":        "Ifthenpay: the Multibanco sub-entity (1 to 3 digits)",
	"anti_phishing_key": "Ifthenpay: the anti-phishing key of its callbacks; secret",
	"xpub":              "Stablecoin: the account's extended public key (xpub…), which deposit addresses are derived from; never a private key; secret",
	"supported_tokens":  "Stablecoin: the pairs the account accepts, TOKEN@chain comma-separated (USDC@base,USDT@ethereum), each configured by --chain/--test-chain (test mode: every built-in chain)",
}

func writeProvider(w io.Writer, v *service.ProviderView) {
	fmt.Fprintf(w, "provider: %s\nmode: %s\nconfigured: %s\ndefault_for: %s\n", v.Name, modeWord(v.Livemode), configuredWord(v), methodsOf(v.DefaultFor))
	for _, line := range strings.Split(credentialsOf(v), ", ") {
		if k, val, ok := strings.Cut(line, "="); ok {
			fmt.Fprintf(w, "%s: %s\n", k, val)
		}
	}
}

// credentialsOf lists what is set: plain values as they are, secrets as
// "…" and their last four characters.
func credentialsOf(v *service.ProviderView) string {
	var parts []string
	for k, x := range v.Plain {
		parts = append(parts, k+"="+x)
	}
	for k, h := range v.Hints {
		parts = append(parts, k+"=…"+h)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func methodsOf(ms []checkout.Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

func configuredWord(v *service.ProviderView) string {
	switch {
	case v.Configured:
		return "yes"
	case !v.Livemode:
		return "no (simulated)"
	}
	return "no"
}

func modeWord(live bool) string {
	if live {
		return "live"
	}
	return "test"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// providerCLIMessage words a service error after the flag that set its
// parameter.
func providerCLIMessage(err error) string {
	e, ok := err.(*checkout.Error)
	if !ok {
		return err.Error()
	}
	switch {
	case e.Kind != checkout.KindInvalid && e.Kind != checkout.KindNotFound:
		return e.Message
	case slices.Contains(credentialFlags, e.Param), e.Param == "provider":
		return flagOf(e.Param) + ": " + e.Message
	case strings.HasPrefix(e.Param, "default_for"):
		return "--default-for: " + e.Message
	}
	return e.Message
}
