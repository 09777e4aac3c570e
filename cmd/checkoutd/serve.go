package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	chttp "github.com/checkoutd/checkoutd/http"
	"github.com/checkoutd/checkoutd/internal/seal"
	"github.com/checkoutd/checkoutd/provider/easypay"
	"github.com/checkoutd/checkoutd/provider/gateway"
	"github.com/checkoutd/checkoutd/provider/sim"
	"github.com/checkoutd/checkoutd/provider/stablecoin"
	"github.com/checkoutd/checkoutd/provider/stripe"
	"github.com/checkoutd/checkoutd/service"
)

// serveConfig is serve's configuration: its flags, each also read from its
// variable (see parseFlags), checked by Validate before anything starts.
type serveConfig struct {
	store           storeFlags
	addr            string
	publicURL       string
	bootstrapKey    string
	currency        string
	logLevel        string
	sweep           time.Duration
	maxFailed       int
	allowPrivate    bool
	retrySchedule   string
	rotationOverlap time.Duration
	whTimeout       time.Duration
	disableAfter    time.Duration
	keyFile         string
	pprofAddr       string
	apiRate         int
	payRate         int
	authFailures    int
	trustedProxies  string
	poweredBy       string
	imageMaxBytes   int64
	hostSecret      string
	hostTTL         time.Duration
	corsOrigins     string
	reconcileAfter  time.Duration
	devicePush      time.Duration
	stripeAPIURL    string
	ifthenpay       ifthenpayFlags
	easypayURL      string
	easypayTTL      time.Duration
	providerTimeout time.Duration
	stablecoin      stablecoinFlags

	// Filled by Validate from the text above.
	level    slog.Level
	schedule []time.Duration
	proxies  []netip.Prefix
	origins  []string
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.store.register(fs)
	fs.BoolVar(&c.store.allowVolatile, "redis-allow-volatile", false, "with --store redis, serve even on a Redis that can lose what it is told (appendonly no, an evicting maxmemory-policy, or settings it cannot read): for tests and demos, never for money")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.publicURL, "public-url", "", "base URL customers reach this service at (default http://<addr>)")
	fs.StringVar(&c.bootstrapKey, "bootstrap-key", "", "on an empty store, the test secret key (sk_test_…) the default account gets, so scripts know it")
	fs.StringVar(&c.currency, "default-currency", "GHS", "currency of the default account made on an empty store")
	fs.StringVar(&c.logLevel, "log-level", "info", "least level logged: debug, info, warn or error")
	fs.DurationVar(&c.sweep, "sweep-interval", time.Second, "how often expired sessions are looked for")
	fs.IntVar(&c.maxFailed, "max-failed-attempts", service.DefaultMaxFailedAttempts, "declined card payments a session takes before it refuses cards (card-testing protection)")
	fs.BoolVar(&c.allowPrivate, "webhook-allow-private", false, "let webhooks reach loopback and private addresses (local development only)")
	fs.StringVar(&c.retrySchedule, "webhook-retry-schedule", "", "waits between webhook retries, comma-separated durations (default about 3 days: 1m,5m,30m,2h,5h,10h,10h,12h,12h,20h)")
	fs.DurationVar(&c.rotationOverlap, "webhook-rotation-overlap", service.DefaultRotationOverlap, "how long a rotated webhook secret keeps signing alongside the new one")
	fs.DurationVar(&c.whTimeout, "webhook-timeout", service.DefaultDeliveryTimeout, "how long a webhook endpoint has to answer a delivery before the attempt counts as failed")
	fs.DurationVar(&c.disableAfter, "webhook-disable-after", service.DefaultDisableAfter, "how long a webhook endpoint may fail without a success before it is disabled (with a webhook_endpoint.disabled event)")
	fs.StringVar(&c.keyFile, "encryption-key-file", "", "file with the 32-byte key (base64) that encrypts webhook secrets and providers' credentials at rest; default <data>/encryption.key, made on first start. Replicas must share it")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; off when empty. Never expose it publicly")
	fs.IntVar(&c.apiRate, "api-rate-limit", 0, "merchant API requests allowed per account and mode per second, bursts of twice that (0: no limit)")
	fs.IntVar(&c.payRate, "pay-rate-limit", chttp.DefaultPayRatePerMinute, "payment attempts allowed per client IP per minute on the hosted page (0: no limit)")
	fs.IntVar(&c.authFailures, "auth-failure-limit", chttp.DefaultAuthFailuresPerMinute, "failed authentications (wrong keys) allowed per client IP per minute; past it the address gets 429 for any key until the count decays (0: no limit)")
	fs.StringVar(&c.poweredBy, "powered-by", chttp.DefaultPoweredBy, "footer text of the hosted pages (\"\" removes it)")
	fs.StringVar(&c.hostSecret, "checkout-api-secret", "", "the server secret seed 000's POST /api/sessions takes as x-checkout-secret (also read from "+hostSecretEnv+"; none: those routes answer 503)")
	fs.DurationVar(&c.hostTTL, "host-session-ttl", chttp.DefaultHostSessionTTL, "lifetime of a session made by POST /api/sessions that names no expiresIn")
	fs.StringVar(&c.corsOrigins, "cors-origins", "", "comma-separated origins (https://shop.example) whose browser pages may read /api/sessions/{id} (default none)")
	fs.Int64Var(&c.imageMaxBytes, "image-max-bytes", service.DefaultImageMaxBytes, "the largest image taken, in bytes: logos uploaded (POST /v1/files) and line items' images fetched from merchant URLs")
	fs.DurationVar(&c.reconcileAfter, "reconcile-after", service.DefaultReconcileAfter, "how long a payment may stay undecided (processing, awaiting a voucher) before its provider is asked about it, in case its notification was lost; later checks wait longer, up to 6h")
	fs.DurationVar(&c.devicePush, "device-push-timeout", service.DefaultDevicePushTimeout, "how long an in_store payment waits for its in-store device before it fails (device_timeout) and the session can be paid again")
	fs.StringVar(&c.stripeAPIURL, "stripe-api-url", stripe.DefaultAPIURL, "base URL of Stripe's API, for tenants with Stripe credentials (stripe-mock for tests; anything but Stripe's own host is reached through the SSRF guard, so loopback needs --webhook-allow-private)")
	c.ifthenpay.register(fs)
	c.stablecoin.register(fs)
	fs.StringVar(&c.easypayURL, "easypay-api-url", "", "Easypay's API base for every account, instead of "+easypay.ProductionURL+" (or "+easypay.SandboxURL+" for sandbox credentials): a local stand-in, reached through the SSRF guard (loopback needs --webhook-allow-private)")
	fs.DurationVar(&c.easypayTTL, "easypay-voucher-ttl", easypay.DefaultVoucherTTL, "how long an Easypay Multibanco reference can be paid")
	fs.DurationVar(&c.providerTimeout, "provider-timeout", gateway.DefaultTimeout, "how long one call to a payment gateway (Stripe, Easypay, Ifthenpay) may take before it counts as failed (at most "+maxProviderTimeout.String()+")")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of the proxies whose X-Forwarded-For / Forwarded headers name the client (default none: the peer is the client)")
}

// Bounds of --reconcile-after: a provider is not asked about a payment
// more than once a second, and a lost notification is noticed within a day.
const (
	minReconcileAfter = time.Second
	maxReconcileAfter = 24 * time.Hour
)

// Bounds of --device-push-timeout: a customer needs some seconds to
// present a card; a session must not wait on a silent device for long.
const (
	minDevicePush = 10 * time.Second
	maxDevicePush = time.Hour
)

// Bounds of --image-max-bytes: a logo needs a few KiB; every image is
// held in memory and in the store whole, and the page loads each one.
const (
	minImageMaxBytes = 1 << 10
	maxImageMaxBytes = 8 << 20
)

// Validate checks every setting that needs no store or network, naming the
// flag of the first that is wrong, so that a bad configuration stops serve
// before it listens or writes anything.
func (c *serveConfig) Validate() error {
	if err := c.level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %v", err)
	}
	if c.sweep < 10*time.Millisecond {
		return errors.New("--sweep-interval must be at least 10ms")
	}
	if c.bootstrapKey != "" {
		// Checked even when the store has accounts and the key goes unused,
		// so a weak key in a script fails on the first run, not later.
		if err := service.CheckChosenKey(c.bootstrapKey); err != nil {
			return fmt.Errorf("--bootstrap-key: %s", err.(*checkout.Error).Message)
		}
	}
	if _, ok := checkout.ParseCurrency(c.currency); !ok {
		return fmt.Errorf("--default-currency: %q is not a supported ISO 4217 currency code", c.currency)
	}
	var err error
	if c.proxies, err = chttp.ParseTrustedProxies(c.trustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %v", err)
	}
	if c.authFailures < 0 {
		return errors.New("--auth-failure-limit cannot be negative")
	}
	if base := strings.TrimRight(c.publicURL, "/"); base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url must be an absolute http(s) URL such as https://pay.example.com, got %q", c.publicURL)
		}
	}
	if c.maxFailed < 1 {
		return errors.New("--max-failed-attempts must be at least 1")
	}
	if c.schedule, err = parseSchedule(c.retrySchedule); err != nil {
		return fmt.Errorf("--webhook-retry-schedule: %v", err)
	}
	if c.disableAfter <= 0 {
		return errors.New("--webhook-disable-after must be positive")
	}
	if c.whTimeout <= 0 {
		return errors.New("--webhook-timeout must be positive")
	}
	if c.providerTimeout <= 0 || c.providerTimeout > maxProviderTimeout {
		return fmt.Errorf("--provider-timeout must be positive and at most %s", maxProviderTimeout)
	}
	if c.payRate < 0 {
		return errors.New("--pay-rate-limit cannot be negative")
	}
	if c.apiRate < 0 {
		return errors.New("--api-rate-limit cannot be negative")
	}
	if c.imageMaxBytes < minImageMaxBytes || c.imageMaxBytes > maxImageMaxBytes {
		return fmt.Errorf("--image-max-bytes must be between %d and %d", minImageMaxBytes, maxImageMaxBytes)
	}
	if c.hostSecret == "" {
		// Seed 000's own name for it, read when neither the flag nor
		// CHECKOUTD_CHECKOUT_API_SECRET gives one.
		c.hostSecret = os.Getenv(hostSecretEnv)
	}
	if c.hostSecret != "" && len(c.hostSecret) < 16 {
		return fmt.Errorf("--checkout-api-secret must be at least 16 characters")
	}
	if c.reconcileAfter < minReconcileAfter || c.reconcileAfter > maxReconcileAfter {
		return fmt.Errorf("--reconcile-after must be between %v and %v", minReconcileAfter, maxReconcileAfter)
	}
	if c.devicePush < minDevicePush || c.devicePush > maxDevicePush {
		return fmt.Errorf("--device-push-timeout must be between %v and %v", minDevicePush, maxDevicePush)
	}
	if c.hostTTL < checkout.MinSessionTTL || c.hostTTL > checkout.MaxSessionTTL {
		return errors.New("--host-session-ttl must be between 1m and 720h")
	}
	if u, err := url.Parse(c.stripeAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--stripe-api-url must be an absolute http(s) URL such as https://api.stripe.com, got %q", c.stripeAPIURL)
	}
	// stripe-mock on loopback passes the SSRF guard only with the
	// webhooks' switch, --webhook-allow-private: checked now, not at the
	// first payment.
	if err := stripe.CheckAPIURL(c.stripeAPIURL, c.gatewayOptions()); err != nil {
		return fmt.Errorf("--stripe-api-url: %v", err)
	}
	if err := c.ifthenpay.validate(); err != nil {
		return err
	}
	if err := c.stablecoin.validate(); err != nil {
		return err
	}
	for _, o := range strings.Split(c.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || o == "*" {
			return fmt.Errorf("--cors-origins: %q is not an origin such as https://shop.example", o)
		}
		c.origins = append(c.origins, o)
	}
	if c.easypayURL != "" {
		u, err := url.Parse(c.easypayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("--easypay-api-url must be an absolute http(s) URL such as http://127.0.0.1:9000/2.0, got %q", c.easypayURL)
		}
	}
	if c.easypayTTL < minVoucherTTL || c.easypayTTL > maxVoucherTTL {
		return fmt.Errorf("--easypay-voucher-ttl must be between %s and %s", minVoucherTTL, maxVoucherTTL)
	}
	return nil
}

// Bounds of --easypay-voucher-ttl: a customer needs time to reach an ATM
// or home banking, and a reference left payable for months keeps its
// session's money uncertain as long.
const (
	minVoucherTTL = time.Hour
	maxVoucherTTL = 90 * 24 * time.Hour
)

// hostSecretEnv is seed 000's name for its server secret.
const hostSecretEnv = "CHECKOUT_API_SECRET"

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Runs the HTTP service: the merchant API, the operations endpoints and the background expiry sweep.", stdout, stderr)
	var c serveConfig
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return c.run(ctx, stdout, stderr)
}

// run wires checkoutd from a validated configuration and serves until ctx
// ends: the one place where the store, the service, its collaborators and
// the HTTP server are put together.
func (c *serveConfig) run(ctx context.Context, stdout, stderr io.Writer) error {
	sf := &c.store
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: c.level}))

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := strings.TrimRight(c.publicURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}

	sf.warn = log.Warn
	store, err := sf.open(ctx, serving)
	if err != nil {
		return err
	}
	defer store.Close()
	sealer, err := loadSealer(c.keyFile, sf.data)
	if err != nil {
		return err
	}
	metrics := chttp.NewMetrics()
	clock := checkout.SystemClock{}
	// Test mode pays through the built-in simulator, for every account.
	// stripe, easypay and ifthenpay are the real gateways, built per
	// account from its own credentials (Stripe test keys: Stripe's
	// sandbox); in test mode without credentials each is the simulator
	// under its name, so an integration naming it runs before it has an
	// account at the gateway. Live mode has no simulator.
	// Every gateway is built with c.gatewayOptions(): --provider-timeout
	// and the SSRF guard for a --NAME-api-url not its documented host.
	providers := service.NewRegistry()
	simulator := sim.New(clock)
	providers.Register("sim", sim.Factory(simulator))
	providers.RegisterCredentialed("stripe", stripe.Factory(stripe.Config{APIURL: c.stripeAPIURL,
		Gateway: c.gatewayOptions(),
		StandIn: sim.StandIn(simulator, "stripe", checkout.MethodCard)}))
	providers.RegisterCredentialed("ifthenpay", c.ifthenpay.factory(simulator, clock, c.gatewayOptions()))
	providers.RegisterCredentialed("easypay", easypay.Factory(easypay.Options{APIURL: c.easypayURL, VoucherTTL: c.easypayTTL, Clock: clock,
		Gateway: c.gatewayOptions(),
		StandIn: sim.StandIn(simulator, "easypay", checkout.MethodMultibanco)}))
	providers.Route(false, "sim", checkout.MethodCard, checkout.MethodMultibanco, checkout.MethodInStore)
	// Stablecoins, in both modes, through each account's xpub (test mode
	// without one: a built-in test key). coins is every chain of each
	// mode as the operator configured it (--chain, --test-chain, …): the
	// provider, the service and the chain watchers read the same.
	coins := c.stablecoin.modes()
	providers.RegisterCredentialed(stablecoin.Name, stablecoin.Factory(coins))
	providers.Route(false, stablecoin.Name, checkout.MethodStablecoin)
	providers.Route(true, stablecoin.Name, checkout.MethodStablecoin)
	svc := service.New(service.Config{
		Store: store, Clock: clock, PublicURL: base, Log: log,
		Providers:         providers,
		MaxFailedAttempts: c.maxFailed,
		Sealer:            sealer,
		Events:            chttp.Events{PublicURL: base},
		// The same directory as Tokens, so seed 003's webhooks describe
		// supported tokens as its API does.
		EventFormats: chttp.EventFormats(base, coins),
		Observer:     metrics,
		Webhooks: service.WebhookConfig{RetrySchedule: c.schedule, RotationOverlap: c.rotationOverlap,
			AllowPrivate: c.allowPrivate, DisableAfter: c.disableAfter, Timeout: c.whTimeout},
		// Line items' images are fetched through the webhooks' guard and
		// its --webhook-allow-private switch.
		Images:            service.ImageConfig{MaxBytes: c.imageMaxBytes},
		ReconcileAfter:    c.reconcileAfter,
		Tokens:            coins,
		DevicePushTimeout: c.devicePush,
	})

	acct, secret, created, err := svc.Bootstrap(ctx, "Default account", c.currency, c.bootstrapKey)
	if err != nil {
		return fmt.Errorf("creating the default account: %w", err)
	}
	// The banner is one write that ends with the "listening" line, so whoever
	// reads stdout through a pipe and waits for that line has the key too.
	var banner strings.Builder
	if created {
		fmt.Fprintf(&banner, "created account %s (%s); its test secret key, shown only now:\n  %s\n", acct.ID, acct.DefaultCurrency, secret)
		fmt.Fprintf(&banner, "try: curl %s/v1/checkout/sessions -u %s: -d amount=5000 -d success_url=https://example.com/ok -d cancel_url=https://example.com/cancel\n", base, secret)
	} else if c.bootstrapKey != "" {
		fmt.Fprintln(&banner, "the store already has accounts; --bootstrap-key applies only to an empty store")
	}
	fmt.Fprintf(&banner, "checkoutd listening on %s (%s)\n", base, sf.describe())
	io.WriteString(stdout, banner.String())

	handler := chttp.New(svc, log, metrics)
	handler.SetPayRateLimit(c.payRate)
	handler.SetPoweredBy(c.poweredBy)
	handler.SetHost(chttp.HostConfig{Secret: c.hostSecret, SessionTTL: c.hostTTL, CORSOrigins: c.origins})
	handler.SetAPIRateLimit(c.apiRate)
	handler.SetAuthFailureLimit(c.authFailures)
	handler.SetTrustedProxies(c.proxies)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if c.pprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		pln, err := net.Listen("tcp", c.pprofAddr)
		if err != nil {
			return fmt.Errorf("--pprof-addr: %w", err)
		}
		defer pln.Close()
		go http.Serve(pln, mux)
	}

	bg, stopBG := context.WithCancel(context.Background())
	bgDone := make(chan struct{})
	go func() { defer close(bgDone); svc.Run(bg, c.sweep) }()
	deliveriesDone := make(chan struct{})
	go func() { defer close(deliveriesDone); svc.RunDeliveries(bg, 250*time.Millisecond) }()
	// One watcher per chain with an RPC URL, in each mode; across
	// replicas, the one holding the chain's lease reads it.
	watchersDone := startChainWatchers(bg, svc, log, coins.Live, coins.Test, c.providerTimeout)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopBG()
	<-bgDone
	<-deliveriesDone
	<-watchersDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// loadSealer reads the key that encrypts webhook secrets, making one in the
// data directory on first start when no file is named. Replicas that start
// at once on one data directory agree on one key: it is written to a
// temporary file and linked into place, which fails if another got there
// first, and then everyone reads the winner's.
func loadSealer(path, dataDir string) (*seal.Sealer, error) {
	if path == "" {
		path = filepath.Join(dataDir, "encryption.key")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := writeNewKey(path); err != nil {
				return nil, fmt.Errorf("writing a new encryption key: %w", err)
			}
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the encryption key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("the encryption key in %s is not base64: %w", path, err)
	}
	return seal.New(key)
}

// writeNewKey makes a random key file at path unless one appears there first.
func writeNewKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	key := make([]byte, 32)
	rand.Read(key)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".encryption.key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// parseSchedule reads "1m,5m,30m"; empty means the default schedule.
func parseSchedule(s string) ([]time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration", part)
		}
		out = append(out, d)
	}
	return out, nil
}
