// Package easypay is the Easypay gateway (Payments API 2.0) as a checkoutd
// provider: Multibanco references issued as single payments, their outcome
// learnt by asking Easypay back, whether Easypay told us (a generic
// notification) or the reconciler asks (Poll).
//
// The API is described at https://docs.easypay.pt (the OpenAPI document:
// https://docs.easypay.pt/_bundle/openapi.json); the calls used here are
// POST /single (single-post) and GET /single/{id} (single-id-get).
package easypay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/gateway"
)

// Name is the provider's name, as payments and settings record it.
const Name = "easypay"

// Easypay's documented API bases (the "servers" of its OpenAPI document).
const (
	ProductionURL = "https://api.prod.easypay.pt/2.0"
	SandboxURL    = "https://api.test.easypay.pt/2.0"
)

// documentedHosts are reached directly; any other base (--easypay-api-url
// pointing at a stand-in) goes through the SSRF guard.
var documentedHosts = []string{"api.prod.easypay.pt", "api.test.easypay.pt"}

// DefaultVoucherTTL is how long a reference can be paid when the operator
// sets nothing: the simulator's three days (sim.New), so a session's
// voucher lasts as long whichever provider issued it.
const DefaultVoucherTTL = 72 * time.Hour

// maxAttempts bounds the tries of one call. Easypay's documentation
// (Overview, "Idempotency") says to resend a request that got no answer, or
// a 409, 429, 502 or 503, and to keep to a few tries; a create is resent
// with the same Idempotency-Key and body, so Easypay answers the first
// create again instead of making a second reference.
const maxAttempts = 3

// Options are the operator's settings, shared by every account.
type Options struct {
	// APIURL, when set, replaces both documented bases (a local stand-in,
	// --easypay-api-url); it is reached through the SSRF guard.
	APIURL string
	// VoucherTTL is how long a reference can be paid; ≤ 0 is
	// DefaultVoucherTTL.
	VoucherTTL time.Duration
	// Gateway holds the timeout of one call and the SSRF guard's policy.
	Gateway gateway.Options
	Clock   checkout.Clock
	// StandIn builds the provider of an account that gave Easypay no
	// credentials (sim.StandIn: the simulator in test mode); nil leaves
	// such an account without Easypay.
	StandIn checkout.CredentialedFactory
	// Backoff is the wait before the second try of a call (doubled for the
	// next); 0 is 200ms.
	Backoff time.Duration
}

// Factory builds each account's Easypay provider from its credentials
// (account_id, api_key and environment: see service/providersettings.go).
func Factory(o Options) checkout.CredentialedFactory {
	return func(acct *checkout.Account, livemode bool, creds checkout.Credentials) (checkout.Provider, error) {
		if len(creds) == 0 {
			if o.StandIn != nil {
				return o.StandIn(acct, livemode, creds)
			}
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "the account has no Easypay credentials in this mode")
		}
		return New(o, acct, livemode, creds)
	}
}

// Provider is one account's Easypay, in one mode.
type Provider struct {
	base      string
	accountID string
	apiKey    string
	client    *http.Client
	ttl       time.Duration
	clock     checkout.Clock
	backoff   time.Duration
	// descriptive is what the customer's bank statement shows.
	descriptive string
}

var (
	_ checkout.Notified = (*Provider)(nil)
	_ checkout.Poller   = (*Provider)(nil)
)

// New builds the provider of acct in a mode from its credentials.
func New(o Options, acct *checkout.Account, livemode bool, creds checkout.Credentials) (*Provider, error) {
	if creds["account_id"] == "" || creds["api_key"] == "" {
		return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "the account's Easypay credentials need account_id and api_key")
	}
	base := ProductionURL
	switch env := creds["environment"]; env {
	case "", "production":
	case "sandbox":
		// A sandbox reference is paid with no money moving: it must
		// never complete a live session (the settings refuse it too).
		if livemode {
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "Easypay's sandbox cannot take live payments")
		}
		base = SandboxURL
	default:
		return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "unknown Easypay environment %q", env)
	}
	if o.APIURL != "" {
		base = strings.TrimRight(o.APIURL, "/")
	}
	client, err := gateway.Client(base, documentedHosts, o.Gateway)
	if err != nil {
		return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "easypay: %v", err)
	}
	p := &Provider{base: base, accountID: creds["account_id"], apiKey: creds["api_key"], client: client,
		ttl: o.VoucherTTL, clock: o.Clock, backoff: o.Backoff, descriptive: acct.PublicName()}
	if p.ttl <= 0 {
		p.ttl = DefaultVoucherTTL
	}
	if p.clock == nil {
		p.clock = checkout.SystemClock{}
	}
	if p.backoff <= 0 {
		p.backoff = 200 * time.Millisecond
	}
	return p, nil
}

// Name implements checkout.Provider.
func (*Provider) Name() string { return Name }

// Methods implements checkout.Provider.
func (*Provider) Methods() []checkout.Method { return []checkout.Method{checkout.MethodMultibanco} }

// Page implements checkout.Provider: a voucher needs no input.
func (*Provider) Page(checkout.Method) checkout.PageSpec { return checkout.PageSpec{} }

// createRequest is Easypay's single_post_request for a Multibanco sale.
type createRequest struct {
	Type     string      `json:"type"`
	Method   string      `json:"method"`
	Value    json.Number `json:"value"`
	Currency string      `json:"currency"`
	// Key is the merchant's key: the payment's id, which Easypay echoes
	// in the single payment, so a payment read back names ours.
	Key      string    `json:"key"`
	Capture  capture   `json:"capture"`
	MB       mbOptions `json:"multibanco"`
	Customer *customer `json:"customer,omitempty"`
}

type capture struct {
	// Descriptive is required for a sale: what the customer's statement shows.
	Descriptive    string `json:"descriptive"`
	TransactionKey string `json:"transaction_key"`
}

type mbOptions struct {
	// ExpirationTime (RFC 3339) is the reference's deadline; the
	// top-level expiration_time is deprecated.
	ExpirationTime string `json:"expiration_time"`
}

type customer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// single is what Easypay answers about a single payment (the create's
// answer and the Single object have these fields in common).
type single struct {
	Status        string      `json:"status"`
	ID            string      `json:"id"`
	Key           string      `json:"key"`
	Value         json.Number `json:"value"`
	PaymentStatus string      `json:"payment_status"`
	// Transactions are the payment's captures, with what was paid: a
	// Multibanco customer can pay another amount than the one requested
	// (Easypay's notes on Multibanco). Older descriptions of GET
	// /single/{id} show them (SinglePaymentWithTransactionsResponse).
	Transactions []struct {
		Values struct {
			Paid json.Number `json:"paid"`
		} `json:"values"`
	} `json:"transactions"`
	Method struct {
		Type      string `json:"type"`
		Status    string `json:"status"`
		Entity    string `json:"entity"`
		Reference string `json:"reference"`
	} `json:"method"`
}

var (
	idRE        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	entityRE    = regexp.MustCompile(`^[0-9]{5}$`)
	referenceRE = regexp.MustCompile(`^[0-9]{9}$`)
)

// Start implements checkout.Provider: it creates a Multibanco single
// payment for the payment's amount and answers its reference as a voucher.
func (p *Provider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	pay := req.Payment
	if !strings.EqualFold(string(pay.Currency), "EUR") {
		return checkout.ProviderResult{}, checkout.Invalid("currency", "currency_unsupported", "Multibanco takes euros only; this payment is in %s", strings.ToUpper(string(pay.Currency)))
	}
	if pay.Amount < 50 {
		return checkout.ProviderResult{}, checkout.Invalid("amount", "amount_too_small", "Easypay takes Multibanco payments of at least 0.50 EUR")
	}
	if req.IdempotencyKey == "" || len(req.IdempotencyKey) > 50 {
		// Easypay keeps keys of at most 50 characters; without one, a
		// create retried after a timeout could issue a second reference.
		return checkout.ProviderResult{}, fmt.Errorf("easypay: the idempotency key must be 1 to 50 characters, got %d", len(req.IdempotencyKey))
	}
	// The deadline counts from the payment's creation, not from now, so
	// that a Start repeated for the same payment sends the same body: a
	// repeated Idempotency-Key with another body is an error at Easypay.
	from := pay.Created
	if from.IsZero() {
		from = p.clock.Now()
	}
	expires := from.Add(p.ttl).UTC().Truncate(time.Second)
	body := createRequest{Type: "sale", Method: "mb", Value: euros(pay.Amount), Currency: "EUR", Key: pay.ID,
		Capture: capture{Descriptive: p.statement(pay), TransactionKey: pay.ID},
		MB:      mbOptions{ExpirationTime: expires.Format(time.RFC3339)}}
	if s := req.Session; s != nil {
		c := customer{Email: s.CustomerEmail}
		if s.CustomerDetails != nil {
			c.Name = s.CustomerDetails.Name
		}
		if c.Name == "" {
			c.Name = strings.TrimSpace(s.CustomerFirstName + " " + s.CustomerLastName)
		}
		c.Name = truncate(c.Name, 255)
		if c.Name != "" || c.Email != "" {
			body.Customer = &c
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return checkout.ProviderResult{}, err
	}
	var created single
	if err := p.call(ctx, http.MethodPost, "/single", b, req.IdempotencyKey, &created); err != nil {
		return checkout.ProviderResult{}, err
	}
	if created.Status != "ok" || !idRE.MatchString(created.ID) || !strings.EqualFold(created.Method.Type, "mb") ||
		!entityRE.MatchString(created.Method.Entity) || !referenceRE.MatchString(created.Method.Reference) {
		return checkout.ProviderResult{}, fmt.Errorf("easypay: the created payment is not a Multibanco reference (status %q, id %q, method %q)", created.Status, created.ID, created.Method.Type)
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: created.ID,
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: expires,
			Voucher: &checkout.Voucher{Entity: created.Method.Entity, Reference: created.Method.Reference}}}, nil
}

// statement is the capture's descriptive: the account's public name, else
// the payment's id, so the customer's statement says whom they paid.
func (p *Provider) statement(pay *checkout.Payment) string {
	if d := truncate(strings.TrimSpace(p.descriptive), 255); d != "" {
		return d
	}
	return "Payment " + pay.ID
}

// Confirm implements checkout.Provider. A Multibanco reference is paid at
// an ATM or a bank, never confirmed on the page.
func (*Provider) Confirm(context.Context, *checkout.Payment, checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, checkout.Errorf(checkout.KindState, "payment_not_awaiting_authentication", "a Multibanco reference is paid at an ATM or in home banking; there is nothing to confirm")
}

// Refund implements checkout.Provider. Easypay's API documents that
// "Multibanco refunds are not currently supported by the vendor" (the
// Multibanco notes of its Payment Methods, https://docs.easypay.pt/openapi).
func (p *Provider) Refund(_ context.Context, pay *checkout.Payment, _ int64, _ string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, p.CanRefund(pay)
}

// CanRefund implements checkout.RefundChecker, so that a refund is refused
// before the service reserves anything (see Refund).
func (*Provider) CanRefund(*checkout.Payment) error {
	return checkout.Errorf(checkout.KindState, "refund_unsupported", "refunds are not supported by this provider: Easypay does not refund Multibanco payments (return the money by bank transfer)")
}

// notification is Easypay's generic notification
// (https://docs.easypay.pt/docs/guides/webhooks). Only its id is read: the
// rest is whatever the sender wrote.
type notification struct {
	ID string `json:"id"`
}

// HandleNotification implements checkout.Notified. The body is never
// believed: its id is looked up at Easypay with the account's own
// credentials, as Easypay's notification guide recommends, and the result
// is what Easypay answers. An id Easypay does not know for this account is
// an error; a payment still pending there is no result.
func (p *Provider) HandleNotification(ctx context.Context, in checkout.Inbound) ([]checkout.Notification, error) {
	if in.Method != "" && in.Method != http.MethodPost {
		return nil, checkout.Errorf(checkout.KindInvalid, "notification_invalid", "Easypay's notifications are POSTed, not sent with %s", in.Method)
	}
	var n notification
	if err := json.Unmarshal(in.Body, &n); err != nil {
		return nil, checkout.Invalid("body", "notification_invalid", "the notification is not Easypay's JSON")
	}
	// The id goes into a URL path: only an id shaped as Easypay's does.
	if !idRE.MatchString(n.ID) {
		return nil, checkout.Invalid("id", "notification_invalid", "the notification names no Easypay payment id")
	}
	s, err := p.get(ctx, n.ID)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusNotFound {
			return nil, checkout.Errorf(checkout.KindUnauthorized, "notification_unverified", "Easypay has no payment %s for this account: the notification is not to be trusted", n.ID)
		}
		return nil, err
	}
	res, decided, err := p.outcome(s)
	if err != nil || !decided {
		return nil, err
	}
	out := checkout.Notification{ProviderRef: s.ID, PaymentID: s.Key, Result: res}
	if res.Status == checkout.PaymentSucceeded {
		// The amount Easypay says was paid; the service refuses a result
		// whose amount is not the payment's.
		if out.Amount, err = s.paid(); err != nil {
			return nil, err
		}
	}
	return []checkout.Notification{out}, nil
}

// Poll implements checkout.Poller: what Easypay says of the payment now.
func (p *Provider) Poll(ctx context.Context, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if pay.ProviderRef == "" {
		// Its create never got an answer, so the customer was never shown
		// an entity and a reference: whatever Easypay may have made, nobody
		// can pay it. The attempt ends here rather than being asked about
		// for ever.
		return checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "processing_error",
			FailureMessage: "The payment could not be processed. Try again in a little while."}, nil
	}
	s, err := p.get(ctx, pay.ProviderRef)
	if err != nil {
		return checkout.ProviderResult{}, err
	}
	if s.Key != pay.ID {
		return checkout.ProviderResult{}, fmt.Errorf("easypay: payment %s is the merchant key %q at Easypay, not %s", s.ID, s.Key, pay.ID)
	}
	res, decided, err := p.outcome(s)
	if err != nil {
		return checkout.ProviderResult{}, err
	}
	if !decided {
		return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, Action: pay.Action.Clone()}, nil
	}
	if res.Status == checkout.PaymentSucceeded {
		// Poll's result carries no amount for the service to check, so it
		// is checked here: a payment is never made paid by a smaller sum.
		paid, err := s.paid()
		if err != nil {
			return checkout.ProviderResult{}, err
		}
		if paid != pay.Amount {
			// Paid with another sum: not this payment's settlement. It
			// stays awaiting its voucher, as a notification of it changes
			// nothing (the service records that one as wrong_amount), and
			// its deadline fails it if nothing else comes.
			return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, Action: pay.Action.Clone()}, nil
		}
	}
	return res, nil
}

// get reads single payment id.
func (p *Provider) get(ctx context.Context, id string) (*single, error) {
	var s single
	if err := p.call(ctx, http.MethodGet, "/single/"+id, nil, "", &s); err != nil {
		return nil, err
	}
	if s.ID != id {
		return nil, fmt.Errorf("easypay: asked for payment %s, got %q", id, s.ID)
	}
	if !strings.EqualFold(s.Method.Type, "mb") {
		// checkoutd creates Multibanco payments only.
		return nil, checkout.Errorf(checkout.KindUnauthorized, "notification_unverified", "Easypay's payment %s is not a Multibanco payment made by checkoutd", id)
	}
	return &s, nil
}

// paid is what the customer paid, in cents: the sum of the transactions'
// paid values when Easypay lists them, else the value requested.
func (s *single) paid() (int64, error) {
	if len(s.Transactions) == 0 {
		return cents(s.Value)
	}
	var sum int64
	for _, t := range s.Transactions {
		c, err := cents(t.Values.Paid)
		if err != nil {
			return 0, err
		}
		sum += c
	}
	return sum, nil
}

// outcome turns Easypay's payment_status (SinglePaymentStatus: pending,
// paid, authorised, error, deleted, failed, active, voided) into a result;
// decided is false while Easypay waits for the customer.
func (p *Provider) outcome(s *single) (res checkout.ProviderResult, decided bool, err error) {
	switch s.PaymentStatus {
	case "paid":
		return checkout.ProviderResult{Status: checkout.PaymentSucceeded}, true, nil
	case "pending", "active", "authorised":
		return checkout.ProviderResult{}, false, nil
	case "failed", "error":
		return checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "voucher_expired",
			FailureMessage: "The multibanco voucher was not paid in time."}, true, nil
	case "deleted", "voided":
		return checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "voucher_canceled",
			FailureMessage: "The multibanco reference was cancelled at Easypay."}, true, nil
	}
	return res, false, fmt.Errorf("easypay: payment %s has an unknown payment_status %q", s.ID, s.PaymentStatus)
}

// euros writes minor units of EUR as Easypay's decimal value (15.50).
func euros(amount int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%02d", amount/100, amount%100))
}

// cents reads Easypay's decimal value back into minor units.
func cents(v json.Number) (int64, error) {
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f < 0 || f > 1e12 {
		return 0, fmt.Errorf("easypay: the value %q is not an amount of euros", string(v))
	}
	return int64(math.Round(f * 100)), nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
