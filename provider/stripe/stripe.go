// Package stripe is the Stripe gateway: cards, paid through a
// PaymentIntent that checkoutd's server creates and confirms with what
// Stripe.js made in the customer's browser (a ConfirmationToken) or with
// a PaymentMethod id given through seed 000's API. Card numbers never reach
// checkoutd (PCI DSS SAQ A). Stripe's webhooks, verified with the tenant's
// signing secret, report outcomes and refunds.
//
// It talks to Stripe only through stripe-go (github.com/stripe/stripe-go/v85),
// which pins the API version it was generated for, stripe.APIVersion
// ("2026-03-25.dahlia"), and sends it as Stripe-Version on every call: the
// shapes this package reads are that version's, whatever the tenant's
// account default is.
package stripe

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/gateway"
	stripeapi "github.com/stripe/stripe-go/v85"
)

// DefaultAPIURL is Stripe's documented API host.
const DefaultAPIURL = "https://api.stripe.com"

// documented are the hosts Stripe documents for its API, reached without
// the SSRF guard.
var documented = []string{"api.stripe.com"}

// CheckAPIURL reports whether base can be Stripe's API URL under o, with
// no network: serve checks it before it starts, so that a URL the SSRF
// guard refuses (loopback without --webhook-allow-private) stops it then
// rather than making every Stripe payment provider_unavailable.
func CheckAPIURL(base string, o gateway.Options) error {
	_, err := gateway.Client(strings.TrimRight(base, "/"), documented, o)
	return err
}

// Config is the operator's configuration, shared by every tenant.
type Config struct {
	// APIURL is where Stripe's API is (--stripe-api-url); empty is
	// DefaultAPIURL. Anything but Stripe's documented host (stripe-mock on
	// loopback) goes through the SSRF guard of Gateway.Policy.
	APIURL  string
	Gateway gateway.Options
	// StandIn builds the provider for a tenant that gave no Stripe
	// credentials (sim.StandIn: the simulator under the name "stripe" in
	// test mode, provider_unavailable live). The factory takes it rather
	// than serve.go composing two factories, so that what "stripe" means
	// for an account is decided in one place. Nil refuses such tenants.
	StandIn checkout.CredentialedFactory
	// Clock tells how old a payment is (Poll gives up searching for an
	// intent that never appeared); nil is the system clock.
	Clock checkout.Clock
}

// Provider is Stripe for one tenant and mode, built from the tenant's own
// keys.
type Provider struct {
	client        *stripeapi.Client
	secret        string // kept only to keep it out of errors (redact)
	publishable   string
	webhookSecret string
	accountID     string
	livemode      bool
	// timeout bounds one call of the provider's (Start, Poll, Refund, a
	// webhook), stripe-go's retries included: its http.Client's timeout
	// bounds each try only, and two retries could make a call last three
	// times as long, past the server's write timeout.
	timeout time.Duration
	clock   checkout.Clock
}

// bound returns ctx limited to the provider's timeout, for every API call
// of one provider call to share.
func (p *Provider) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.timeout)
}

var (
	_ checkout.Provider      = (*Provider)(nil)
	_ checkout.Notified      = (*Provider)(nil)
	_ checkout.Poller        = (*Provider)(nil)
	_ checkout.TokenChecker  = (*Provider)(nil)
	_ checkout.Canceler      = (*Provider)(nil)
	_ checkout.ReaderChecker = (*Provider)(nil)
)

// Factory returns the factory of the "stripe" provider. A tenant with
// Stripe credentials gets the real gateway in either mode (test keys reach
// Stripe's sandbox); a tenant without gets cfg.StandIn. Credentials that
// cannot work are refused with provider_unavailable, naming what is wrong:
// no secret key, no publishable key (the page needs it), or a key of the
// other mode (a live key in test mode would move real money).
func Factory(cfg Config) checkout.CredentialedFactory {
	base := cfg.APIURL
	if base == "" {
		base = DefaultAPIURL
	}
	base = strings.TrimRight(base, "/")
	httpClient, clientErr := gateway.Client(base, documented, cfg.Gateway)
	var backends *stripeapi.Backends
	if clientErr == nil {
		backends = stripeapi.NewBackendsWithConfig(&stripeapi.BackendConfig{
			HTTPClient: httpClient,
			URL:        stripeapi.String(base),
			// stripe-go logs requests and errors; ours are logged by the
			// service, redacted, so the library says nothing.
			LeveledLogger: &stripeapi.LeveledLogger{Level: stripeapi.LevelNull},
			// A retry is safe only because every write carries our
			// idempotency key: Stripe answers a repeat with the first
			// answer, never a second charge.
			MaxNetworkRetries: stripeapi.Int64(2),
			EnableTelemetry:   stripeapi.Bool(false),
		})
	}
	timeout := cfg.Gateway.Timeout
	if timeout <= 0 {
		timeout = gateway.DefaultTimeout
	}
	clock := cfg.Clock
	if clock == nil {
		clock = checkout.SystemClock{}
	}
	return func(acct *checkout.Account, livemode bool, creds checkout.Credentials) (checkout.Provider, error) {
		if len(creds) == 0 && cfg.StandIn != nil && !livemode {
			return cfg.StandIn(acct, livemode, creds)
		}
		if err := checkCredentials(creds, livemode); err != nil {
			return nil, err
		}
		if livemode && !strings.HasPrefix(base, "https://") {
			// Live keys move real money: they never travel in clear text,
			// whatever --stripe-api-url says.
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "Stripe's API URL is not https, so live keys are not sent to it")
		}
		if clientErr != nil {
			// The operator's --stripe-api-url; serve validates it first,
			// so this is a URL the SSRF guard refuses.
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "Stripe cannot be reached: %v", clientErr)
		}
		return &Provider{
			client:        stripeapi.NewClient(creds["secret_key"], stripeapi.WithBackends(backends)),
			secret:        creds["secret_key"],
			publishable:   creds["publishable_key"],
			webhookSecret: creds["webhook_secret"],
			accountID:     acct.ID,
			livemode:      livemode,
			timeout:       timeout,
			clock:         clock,
		}, nil
	}
}

// checkCredentials refuses credentials the provider cannot work with,
// naming the field and never quoting a value.
func checkCredentials(creds checkout.Credentials, livemode bool) error {
	mode := "test"
	if livemode {
		mode = "live"
	}
	unavailable := func(format string, args ...any) error {
		return checkout.Errorf(checkout.KindState, "provider_unavailable", "Stripe is not usable in %s mode for this account: "+format, append([]any{mode}, args...)...)
	}
	sk, pk := creds["secret_key"], creds["publishable_key"]
	switch {
	case sk == "":
		return unavailable("no secret_key is set (checkoutd accounts providers set --provider stripe --secret-key …)")
	case !strings.HasPrefix(sk, "sk_"+mode+"_") && !strings.HasPrefix(sk, "rk_"+mode+"_"):
		return unavailable("the secret_key is not a %s-mode key (sk_%s_… or rk_%s_…)", mode, mode, mode)
	case pk == "":
		return unavailable("no publishable_key is set: the payment page needs it to load Stripe's Payment Element")
	case !strings.HasPrefix(pk, "pk_"+mode+"_"):
		return unavailable("the publishable_key is not a %s-mode key (pk_%s_…)", mode, mode)
	}
	return nil
}

// String describes p without its keys, so that printing a provider (%v,
// %+v) or logging it never shows a credential.
func (p *Provider) String() string {
	mode := "test"
	if p.livemode {
		mode = "live"
	}
	return "stripe (" + mode + " mode, account " + p.accountID + ")"
}

// GoString is String, for %#v.
func (p *Provider) GoString() string { return p.String() }

// Name implements checkout.Provider.
func (*Provider) Name() string { return "stripe" }

// Methods implements checkout.Provider: cards on the page, and cards
// presented in store through Stripe Terminal (terminal.go).
func (*Provider) Methods() []checkout.Method {
	return []checkout.Method{checkout.MethodCard, checkout.MethodInStore}
}

// StripeJS is the Stripe.js of the API version stripe-go v85 pins:
// since 2025 Stripe.js is versioned by release train, each at
// https://js.stripe.com/<train>/stripe.js, and a train pairs with the API
// versions of its name (https://docs.stripe.com/sdks/stripejs-versioning).
// v3 is the unversioned script of the trains before acacia.
const StripeJS = "https://js.stripe.com/" + stripeapi.APIMajorVersion + "/stripe.js"

// Exactly the origins Stripe's integration security guide lists for
// Stripe.js (https://docs.stripe.com/security/guide#content-security-policy,
// "Stripe.js"): *.js.stripe.com lets Stripe.js start its frames on other
// origins, hooks.stripe.com frames 3-D Secure challenges, and
// maps.googleapis.com is the Address Element's autocomplete, listed for
// Stripe.js as a whole. Link's origins (link.com) are not added: the
// intents take cards only, so the Payment Element never offers Link.
var (
	cspScript  = []string{"https://js.stripe.com", "https://*.js.stripe.com", "https://maps.googleapis.com"}
	cspFrame   = []string{"https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"}
	cspConnect = []string{"https://api.stripe.com", "https://maps.googleapis.com"}
)

// Page implements checkout.Provider: the page mounts Stripe's Payment
// Element with the tenant's publishable key and posts the ConfirmationToken
// it makes as the payment token; the card is typed into Stripe's frames.
// Seed 000's API may give a PaymentMethod id instead (APITokens). An
// in-store payment takes nothing on the page: the card is at the counter.
func (p *Provider) Page(m checkout.Method) checkout.PageSpec {
	if m != checkout.MethodCard {
		return checkout.PageSpec{}
	}
	return checkout.PageSpec{
		Fields:     []checkout.PageField{checkout.FieldToken},
		APITokens:  true,
		Data:       map[string]string{"publishable-key": p.publishable},
		Scripts:    []string{StripeJS},
		ScriptSrc:  append([]string(nil), cspScript...),
		FrameSrc:   append([]string(nil), cspFrame...),
		ConnectSrc: append([]string(nil), cspConnect...),
	}
}

// tokenRE is a Stripe object id's shape after its prefix.
var tokenRE = regexp.MustCompile(`^(ctoken|pm)_[A-Za-z0-9_]{1,250}$`)

// CheckToken implements checkout.TokenChecker: a ConfirmationToken from the
// page (ctoken_…) or a PaymentMethod id (pm_…); anything else is refused
// before the session is claimed.
func (*Provider) CheckToken(token string) error {
	if !tokenRE.MatchString(token) {
		return checkout.Invalid("payment_token", "payment_token_invalid", "a Stripe payment token is a ConfirmationToken (ctoken_…) made by the payment page or a PaymentMethod id (pm_…)")
	}
	return nil
}
