// Package client is the Go SDK for checkoutd, a self-hostable hosted-checkout
// service. Merchants use it from their backends to create checkout sessions,
// look them up, expire them and read the event log.
//
// The package depends on the standard library only, so importing it never
// drags a dependency tree into a merchant's build.
//
// A Client is safe for concurrent use; create one per secret key and share it:
//
//	c := client.New("sk_test_...", client.WithBaseURL("https://pay.example.com"))
//	s, err := c.Sessions.Create(ctx, &client.SessionParams{
//		Amount:     5000, // GHS 50.00, in pesewas
//		Currency:   "GHS",
//		SuccessURL: "https://shop.example.com/thanks",
//		CancelURL:  "https://shop.example.com/cart",
//	})
//	var apiErr *client.Error
//	if errors.As(err, &apiErr) {
//		// The server refused: fix the request, quote apiErr.RequestID to the operator.
//		return fmt.Errorf("checkoutd %d %s (%s): %s", apiErr.HTTPStatusCode, apiErr.Code, apiErr.Param, apiErr.Message)
//	} else if err != nil {
//		return err // network failure that outlasted the retries, or ctx ended
//	}
//	http.Redirect(w, r, s.URL, http.StatusSeeOther)
//
//	for s, err := range c.Sessions.All(ctx, &client.SessionListParams{Status: client.SessionStatusOpen}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(s.ID)
//	}
//
// # Retries and idempotency
//
// Every call is retried (by default up to twice) when retrying cannot do
// harm: on network failures, on 429 and 5xx responses, and on 409 responses
// whose code is "idempotency_key_in_use". Every POST carries an
// Idempotency-Key that is chosen once per call and sent unchanged on every
// retry, so a retried Create can never create a second session: the server
// replays the first response instead. Other 4xx responses are final.
//
// # Nullable fields
//
// Fields the API may return as null are decoded into plain Go values: a null
// string becomes "", a null time becomes the zero time.Time (test with
// IsZero). The server itself keeps these fields as plain values, so nothing
// is lost.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Version is the version of this SDK. It is sent in the User-Agent header so
// server operators can tell which clients are calling them.
const Version = "0.1.0"

// Defaults used by New when no Option overrides them.
const (
	// DefaultBaseURL is where a checkoutd started with its defaults listens.
	DefaultBaseURL = "http://127.0.0.1:8080"
	// DefaultMaxRetries is how many times a failed call is retried, so a call
	// makes at most DefaultMaxRetries+1 requests.
	DefaultMaxRetries = 2
	// DefaultBackoff is the delay before the first retry; each further retry
	// doubles it (with jitter), up to MaxBackoff.
	DefaultBackoff = 500 * time.Millisecond
	// MaxBackoff caps the computed delay between two attempts.
	MaxBackoff = 20 * time.Second
	// MaxRetryAfter is the longest Retry-After the client waits for. When the
	// server asks for a longer pause the client returns the error instead of
	// blocking the caller for that long.
	MaxRetryAfter = time.Minute
	// DefaultTimeout bounds each attempt of the default HTTP client. A timed-out
	// attempt counts as a network failure and is retried.
	DefaultTimeout = 30 * time.Second
)

// maxResponseBytes bounds how much of a response body is read, so a
// misbehaving server or proxy cannot exhaust the merchant's memory.
const maxResponseBytes = 16 << 20

// Client calls one checkoutd server with one secret key. Its services group
// the API by resource, mirroring the URL layout (/v1/checkout/sessions,
// /v1/events).
type Client struct {
	// Sessions creates, reads, lists and expires checkout sessions.
	Sessions *SessionService
	// Events reads the event log.
	Events *EventService
	// APIKeys lists, makes, revokes and rolls the secret keys of the
	// client key's account and mode.
	APIKeys *APIKeyService
	// PaymentLinks creates, reads, lists and updates payment links.
	PaymentLinks *PaymentLinkService
	// Accounts is the key's own account: its payment providers' settings.
	Accounts *AccountService
	// Refunds refunds payments, and reads and lists refunds.
	Refunds *RefundService
	// Coupons creates, reads, lists and deletes coupons.
	Coupons *CouponService
	// Products creates, reads, lists, updates and archives products.
	Products *ProductService
	// Invoices creates, reads, lists, updates, finalizes and voids invoices.
	Invoices *InvoiceService
	// PromotionCodes creates, reads, lists and updates promotion codes.
	PromotionCodes *PromotionCodeService

	b *backend
}

// Option configures a Client in New.
type Option func(*backend)

// WithBaseURL sets the server's root URL, e.g. "https://pay.example.com".
// A path is kept as a prefix ("https://example.com/checkoutd" calls
// "https://example.com/checkoutd/v1/..."), which suits servers behind a
// path-routing proxy. An invalid URL makes every call fail with an error
// saying so.
func WithBaseURL(u string) Option {
	return func(b *backend) { b.rawBaseURL = u }
}

// WithHTTPClient sets the HTTP client used for every request, for custom
// transports, proxies, TLS settings or timeouts. Its Timeout applies per
// attempt, not per call; bound a whole call with the context instead.
func WithHTTPClient(hc *http.Client) Option {
	return func(b *backend) {
		if hc != nil {
			b.http = hc
		}
	}
}

// WithMaxRetries sets how many times a failed call is retried; 0 disables
// retries. Negative values count as 0.
func WithMaxRetries(n int) Option {
	return func(b *backend) { b.maxRetries = max(n, 0) }
}

// WithBackoff sets the delay before the first retry. Later retries double it
// with jitter, up to MaxBackoff. Tests set it tiny to run failure scripts fast;
// a Retry-After header from the server still takes precedence when it asks
// for a longer pause.
func WithBackoff(base time.Duration) Option {
	return func(b *backend) { b.backoff = max(base, 0) }
}

// New returns a client that authenticates with apiKey (a secret key,
// "sk_test_..." or "sk_live_..."; the key's prefix decides the mode of
// everything it touches).
func New(apiKey string, opts ...Option) *Client {
	b := &backend{
		apiKey:     apiKey,
		rawBaseURL: DefaultBaseURL,
		http:       &http.Client{Timeout: DefaultTimeout},
		maxRetries: DefaultMaxRetries,
		backoff:    DefaultBackoff,
		userAgent:  "checkoutd-go/" + Version,
	}
	for _, o := range opts {
		if o != nil {
			o(b)
		}
	}
	b.baseURL, b.baseErr = parseBaseURL(b.rawBaseURL)
	return &Client{
		Sessions:     &SessionService{b: b},
		Events:       &EventService{b: b},
		APIKeys:      &APIKeyService{b: b},
		PaymentLinks: &PaymentLinkService{b: b},
		Accounts:     &AccountService{Providers: &AccountProviderService{b: b}},
		Refunds:      &RefundService{b: b},
		b:            b,
		Coupons:      &CouponService{b: b}, PromotionCodes: &PromotionCodeService{b: b},
		Products: &ProductService{b: b}, Invoices: &InvoiceService{b: b},
	}
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("checkoutd: invalid base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("checkoutd: invalid base URL %q: want http(s)://host[:port][/prefix]", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// CallOption adjusts a single call, as opposed to Option which configures the
// whole Client.
type CallOption func(*callConfig)

type callConfig struct {
	idempotencyKey string
}

// WithIdempotencyKey makes a POST call use key as its Idempotency-Key instead
// of a random one. Use it to make a call safe to repeat across process
// restarts, e.g. with a key derived from your own order id: the server then
// returns the first call's response instead of acting twice. It takes
// precedence over an IdempotencyKey set on the call's params.
func WithIdempotencyKey(key string) CallOption {
	return func(c *callConfig) { c.idempotencyKey = key }
}

func applyCallOptions(opts []CallOption) callConfig {
	var c callConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// backend performs requests: it owns authentication, encoding, error decoding
// and the retry policy, so the services only describe endpoints.
type backend struct {
	apiKey     string
	rawBaseURL string
	baseURL    *url.URL
	baseErr    error
	http       *http.Client
	maxRetries int
	backoff    time.Duration
	userAgent  string
}

// newIdempotencyKey returns 128 random bits as 32 hex characters.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails (it panics instead).
	return hex.EncodeToString(b[:])
}

// call sends one logical API call, retrying it when safe, and decodes a 2xx
// body into out. body, when not nil, is sent as JSON. idemKey is used for
// POSTs; an empty key makes call generate one for the whole call.
func (b *backend) call(ctx context.Context, method, path string, query url.Values, body any, idemKey string, out any) error {
	if b.baseErr != nil {
		return b.baseErr
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("checkoutd: encoding request: %w", err)
		}
	}
	if method == http.MethodPost && idemKey == "" {
		idemKey = newIdempotencyKey()
	}
	// path is already escaped by the services, so it is appended as text.
	target := b.baseURL.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}

	for attempt := 0; ; attempt++ {
		req, err := b.newRequest(ctx, method, target, payload, idemKey)
		if err != nil {
			return err
		}
		status, header, data, err := b.do(req)
		if err != nil {
			if ctx.Err() != nil || !retryableNetError(err) || attempt >= b.maxRetries {
				return err
			}
			if werr := b.wait(ctx, b.delay(attempt, 0), err); werr != nil {
				return werr
			}
			continue
		}
		if status >= 200 && status < 300 {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("checkoutd: decoding %d response to %s %s (Request-Id %q): %w",
					status, method, path, header.Get("Request-Id"), err)
			}
			return nil
		}
		apiErr := newError(status, header, data)
		if !retryableStatus(apiErr) || attempt >= b.maxRetries {
			return apiErr
		}
		retryAfter, ok := parseRetryAfter(header.Get("Retry-After"))
		if ok && retryAfter > MaxRetryAfter {
			return apiErr
		}
		if werr := b.wait(ctx, b.delay(attempt, retryAfter), apiErr); werr != nil {
			return werr
		}
	}
}

func (b *backend) newRequest(ctx context.Context, method, target string, payload []byte, idemKey string) (*http.Request, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("checkoutd: building request: %w", err)
	}
	if b.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+b.apiKey)
	}
	req.Header.Set("User-Agent", b.userAgent)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	return req, nil
}

// do sends one attempt and reads the whole body, so a connection dropped
// mid-body is reported (and retried) like any other network failure.
func (b *backend) do(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("checkoutd: reading response to %s %s: %w", req.Method, req.URL.Path, err)
	}
	if len(data) > maxResponseBytes {
		return 0, nil, nil, fmt.Errorf("checkoutd: response to %s %s exceeds %d bytes", req.Method, req.URL.Path, maxResponseBytes)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// delay is the pause before retry number attempt+1: exponential backoff with
// jitter (so clients that failed together do not retry together), or the
// server's Retry-After when that is longer.
func (b *backend) delay(attempt int, retryAfter time.Duration) time.Duration {
	d := b.backoff
	for i := 0; i < attempt && d < MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, MaxBackoff)
	if d > 1 {
		// Equal jitter: keep half, randomise the other half.
		d = d/2 + rand.N(d/2+1)
	}
	return max(d, retryAfter)
}

// wait sleeps for d unless ctx ends first. The error it then returns wraps
// both the context's error and the failure that caused the retry, so callers
// can test either with errors.Is / errors.As.
func (b *backend) wait(ctx context.Context, d time.Duration, cause error) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("checkoutd: gave up retrying: %w; last attempt: %w", ctx.Err(), cause)
	}
}

// retryableStatus reports whether a failed response may be retried without
// risk: the server either did not act (429, key in use) or failed in a way a
// later attempt may not (5xx). Retried POSTs reuse their Idempotency-Key, so
// a 5xx that did act is replayed rather than repeated.
func retryableStatus(e *Error) bool {
	switch {
	case e.HTTPStatusCode == http.StatusTooManyRequests:
		return true
	case e.HTTPStatusCode == http.StatusConflict && e.Code == CodeIdempotencyKeyInUse:
		return true
	case e.HTTPStatusCode >= 500:
		return true
	}
	return false
}

// retryableNetError reports whether a transport failure is worth another
// attempt: dropped or refused connections and timeouts are; failures that
// will repeat identically (bad certificates, malformed URLs) are not.
func retryableNetError(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
	)
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalidCert) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// parseRetryAfter reads a Retry-After header in either of its forms
// (delay-seconds or HTTP-date).
func parseRetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter + time.Second, true
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}
