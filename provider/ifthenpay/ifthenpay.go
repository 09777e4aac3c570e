// Package ifthenpay is the Ifthenpay gateway's provider: Multibanco
// references that a customer pays at an ATM or in home banking, confirmed
// later by Ifthenpay's callback.
//
// An account gives it either an MB key, and references are issued through
// Ifthenpay's API ("API - Request Multibanco references",
// https://helpdesk.ifthenpay.com/en/support/solutions/articles/79000128866-api-request-multibanco-references),
// or an entity and sub-entity, and references are computed offline with
// Ifthenpay's published check-digit algorithm (Reference), numbered from a
// counter the service keeps (checkout.RefAllocator). Either way it is told
// of payments by Ifthenpay's callback (a GET whose query carries the
// account's anti-phishing key, the entity, the reference and the amount:
// https://ifthenpay.com/docs/en/guides/callback), which it believes only
// with the right key.
package ifthenpay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/provider/gateway"
)

// Name is the provider's name: payments, settings and the callback URL
// (/providers/ifthenpay/{account}/callback) carry it.
const Name = "ifthenpay"

// DefaultAPIURL is the base of Ifthenpay's documented Multibanco API: a
// reference is requested at {base}/multibanco/reference/init, or, in test
// mode, at {base}/multibanco/reference/sandbox, which Ifthenpay asks every
// test to use.
const DefaultAPIURL = "https://ifthenpay.com/api"

// documentedHosts are Ifthenpay's API hosts (the helpdesk's ifthenpay.com
// and the newer documentation's api.ifthenpay.com): calls to them go out
// directly; any other --ifthenpay-api-url goes through the SSRF guard.
var documentedHosts = []string{"ifthenpay.com", "api.ifthenpay.com"}

// DefaultVoucherTTL is how long a reference can be paid when the operator
// sets nothing: the simulator's voucher lifetime, three days. Offline
// references have no expiry at the bank; checkoutd fails them at this
// deadline, and their order id may be reused once the counter wraps.
const DefaultVoucherTTL = 72 * time.Hour

// maxCents is the largest amount one Multibanco reference takes, 99 999,99 €
// (Ifthenpay's official WooCommerce plugin refuses more).
const maxCents = 9_999_999

// Options are the operator's settings for every account's Ifthenpay.
type Options struct {
	// APIURL is the base URL of Ifthenpay's API ("": DefaultAPIURL); a
	// stand-in's, for tests (--ifthenpay-api-url).
	APIURL string
	// Gateway bounds every call (timeout) and guards a base URL that is
	// not Ifthenpay's.
	Gateway gateway.Options
	// VoucherTTL is how long a reference can be paid (≤ 0:
	// DefaultVoucherTTL).
	VoucherTTL time.Duration
	Clock      checkout.Clock
}

// Factory builds an account's Ifthenpay from its credentials. In test mode
// without credentials it builds standIn instead (the simulator under
// Ifthenpay's name), so that test mode runs before an account has an
// Ifthenpay contract; live without credentials it refuses.
func Factory(o Options, standIn checkout.CredentialedFactory) checkout.CredentialedFactory {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.VoucherTTL <= 0 {
		o.VoucherTTL = DefaultVoucherTTL
	}
	if o.Clock == nil {
		o.Clock = checkout.SystemClock{}
	}
	return func(acct *checkout.Account, livemode bool, creds checkout.Credentials) (checkout.Provider, error) {
		if len(creds) == 0 {
			if !livemode && standIn != nil {
				return standIn(acct, livemode, creds)
			}
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable",
				"give Ifthenpay its credentials (an MB key, or an entity and sub-entity, and the anti-phishing key) to take Multibanco payments in this mode")
		}
		return New(o, livemode, creds)
	}
}

// Provider is one account's Ifthenpay in one mode.
type Provider struct {
	livemode bool
	// mbKey is set in API mode; entity and sub in offline mode.
	mbKey, entity, sub string
	antiPhishing       string
	client             *http.Client
	initURL            string
	ttl                time.Duration
	clock              checkout.Clock
}

var _ checkout.Notified = (*Provider)(nil)

var (
	mbKeyRE     = regexp.MustCompile(`^[A-Z]{3}-[0-9]{6}$`)
	entityRE    = regexp.MustCompile(`^[0-9]{5}$`)
	subEntityRE = regexp.MustCompile(`^[0-9]{1,3}$`)
	referenceRE = regexp.MustCompile(`^[0-9]{9}$`)
)

// New builds the provider from an account's credentials (checked when they
// were set; checked again here, since a provider built from bad ones would
// issue references nobody can pay). Errors never carry a credential.
func New(o Options, livemode bool, creds checkout.Credentials) (*Provider, error) {
	p := &Provider{livemode: livemode, mbKey: creds["mb_key"], entity: creds["entity"], sub: creds["sub_entity"],
		antiPhishing: creds["anti_phishing_key"], ttl: o.VoucherTTL, clock: o.Clock}
	if p.ttl <= 0 {
		p.ttl = DefaultVoucherTTL
	}
	if p.clock == nil {
		p.clock = checkout.SystemClock{}
	}
	misconfigured := func(what string) error {
		return checkout.Errorf(checkout.KindState, "provider_misconfigured", "the account's Ifthenpay credentials are incomplete: %s", what)
	}
	if p.antiPhishing == "" {
		return nil, misconfigured("anti_phishing_key is missing")
	}
	switch {
	case p.mbKey != "" && (p.entity != "" || p.sub != ""):
		return nil, misconfigured("give mb_key or entity and sub_entity, not both")
	case p.mbKey != "":
		if !mbKeyRE.MatchString(p.mbKey) {
			return nil, misconfigured("mb_key is not shaped like ABC-123456")
		}
		base := o.APIURL
		if base == "" {
			base = DefaultAPIURL
		}
		client, err := gateway.Client(base, documentedHosts, o.Gateway)
		if err != nil {
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "the Ifthenpay API URL cannot be used: %v", err)
		}
		p.client = client
		// Ifthenpay asks for every test to go to its sandbox.
		path := "/multibanco/reference/init"
		if !livemode {
			path = "/multibanco/reference/sandbox"
		}
		p.initURL = strings.TrimRight(base, "/") + path
	case !entityRE.MatchString(p.entity):
		return nil, misconfigured("entity is not 5 digits")
	case !subEntityRE.MatchString(p.sub):
		return nil, misconfigured("sub_entity is not 1 to 3 digits")
	}
	return p, nil
}

// Name implements checkout.Provider.
func (*Provider) Name() string { return Name }

// Methods implements checkout.Provider.
func (*Provider) Methods() []checkout.Method { return []checkout.Method{checkout.MethodMultibanco} }

// Page implements checkout.Provider: the page asks for nothing and loads
// nothing; it shows the voucher once the payment is started.
func (*Provider) Page(checkout.Method) checkout.PageSpec { return checkout.PageSpec{} }

// Start implements checkout.Provider: it issues a reference for the
// payment's amount, offline or through the API, as a voucher.
func (p *Provider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	pay := req.Payment
	if pay.Method != checkout.MethodMultibanco {
		return checkout.ProviderResult{}, checkout.Invalid("payment_method_types", "method_unsupported", "Ifthenpay takes multibanco, not %s", pay.Method)
	}
	if !strings.EqualFold(string(pay.Currency), "EUR") {
		return checkout.ProviderResult{}, checkout.Invalid("currency", "currency_unsupported", "Multibanco takes euros only; this payment is in %s", strings.ToUpper(string(pay.Currency)))
	}
	if pay.Amount <= 0 || pay.Amount > maxCents {
		return checkout.ProviderResult{}, checkout.Invalid("amount", "amount_invalid", "a Multibanco reference takes from 0,01 € to 99 999,99 €; this payment is %s €", euros(pay.Amount))
	}
	if p.mbKey != "" {
		return p.startAPI(ctx, pay)
	}
	return p.startOffline(ctx, req)
}

// startOffline numbers the reference from the account's counter for its
// entity and sub-entity, skipping order ids whose reference for this
// amount is still awaiting its payment (after the counter wrapped), so a
// reference is never issued twice while unpaid.
func (p *Provider) startOffline(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	if req.Refs == nil {
		return checkout.ProviderResult{}, errors.New("ifthenpay: offline references need a reference allocator, and none was given")
	}
	cents := req.Payment.Amount
	var heldErr error
	inUse := func(n int) bool {
		held, err := req.Refs.Held(ctx, refOf(p.entity, Reference(p.entity, p.sub, n, cents)))
		if err != nil {
			// Unknown is not free: skip it, and report the error if
			// nothing is found.
			heldErr = err
			return true
		}
		return held
	}
	n, err := req.Refs.Next(ctx, "mb:"+p.entity+":"+p.sub, orderModulo(p.sub), inUse)
	if err != nil {
		if heldErr != nil {
			return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: check references in use: %w", heldErr)
		}
		return checkout.ProviderResult{}, err
	}
	reference := Reference(p.entity, p.sub, n, cents)
	return voucher(p.entity, reference, p.clock.Now().Add(p.ttl)), nil
}

// initRequest is the body of a reference request, as documented.
type initRequest struct {
	MBKey      string `json:"mbKey"`
	OrderID    string `json:"orderId"`
	Amount     string `json:"amount"`
	ExpiryDays int    `json:"expiryDays"`
}

// initResponse is Ifthenpay's answer: Status "0" and the reference, or
// another status and a Message.
type initResponse struct {
	Amount     string `json:"Amount"`
	Entity     string `json:"Entity"`
	ExpiryDate string `json:"ExpiryDate"`
	Message    string `json:"Message"`
	OrderID    string `json:"OrderId"`
	Reference  string `json:"Reference"`
	RequestID  string `json:"RequestId"`
	Status     string `json:"Status"`
}

// startAPI requests a reference from Ifthenpay. The request has no
// idempotency key (Ifthenpay documents none): a second request makes a
// second reference. It is therefore never retried; a timeout is an error,
// the service records the attempt as a processing error, and the customer
// starts a new one. A reference issued by a request whose answer was lost
// is harmless: nobody was shown it, so nobody pays it, and it expires.
func (p *Provider) startAPI(ctx context.Context, pay *checkout.Payment) (checkout.ProviderResult, error) {
	body, err := json.Marshal(initRequest{MBKey: p.mbKey, OrderID: orderID(pay.ID), Amount: euros(pay.Amount), ExpiryDays: expiryDays(p.ttl)})
	if err != nil {
		return checkout.ProviderResult{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, p.initURL, bytes.NewReader(body))
	if err != nil {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(hreq)
	if err != nil {
		// The error names the URL, never the key: the key is in the body.
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: request a reference: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: read the reference: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: reference request answered HTTP %d: %s", resp.StatusCode, p.redact(snippet(data)))
	}
	var r initResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: reference answer is not JSON: %s", p.redact(snippet(data)))
	}
	if r.Status != "0" {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: reference refused (status %q): %s", r.Status, p.redact(r.Message))
	}
	if !entityRE.MatchString(r.Entity) || !referenceRE.MatchString(r.Reference) {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: answer has no usable entity (%q) and reference (%q)", r.Entity, r.Reference)
	}
	// The voucher shows the payment's amount: a reference for another
	// would be paid wrong, so it is not shown.
	if got, ok := parseCents(r.Amount); r.Amount != "" && (!ok || got != pay.Amount) {
		return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: reference issued for %q, not the payment's %s", r.Amount, euros(pay.Amount))
	}
	deadline := p.clock.Now().Add(p.ttl)
	if r.ExpiryDate != "" {
		day, err := time.Parse("02-01-2006", r.ExpiryDate)
		if err != nil {
			return checkout.ProviderResult{}, fmt.Errorf("ifthenpay: expiry date %q is not dd-mm-yyyy", r.ExpiryDate)
		}
		// A reference can be paid until the end of its expiry day in
		// Lisbon, whose offset is 0 or +1: midnight UTC after that day
		// is never before it (at most an hour after), so a payment made
		// in time is never failed first.
		deadline = day.AddDate(0, 0, 1)
	}
	return voucher(r.Entity, r.Reference, deadline), nil
}

// voucher is the result of a started payment: a reference to pay by the
// deadline, its outcome told later by the callback.
func voucher(entity, reference string, deadline time.Time) checkout.ProviderResult {
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: refOf(entity, reference),
		Action: &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: deadline,
			Voucher: &checkout.Voucher{Entity: entity, Reference: reference}}}
}

// orderID is the payment's id as Ifthenpay's orderId, which takes at most
// 25 characters: the id without its prefix, or its last 25 characters
// (random, so still unique in practice). It only labels the reference in
// Ifthenpay's back office; callbacks are matched by entity and reference.
func orderID(paymentID string) string {
	id := strings.TrimPrefix(paymentID, "pay_")
	if len(id) > 25 {
		id = id[len(id)-25:]
	}
	return id
}

// acceptedExpiryDays are the values Ifthenpay's expiryDays takes.
var acceptedExpiryDays = []int{45, 60, 90, 120, 180, 365, 730}

// expiryDays is the smallest value Ifthenpay accepts that covers ttl: whole
// days, up to 31, then its listed steps.
func expiryDays(ttl time.Duration) int {
	d := int((ttl + 24*time.Hour - 1) / (24 * time.Hour))
	if d <= 31 {
		return max(d, 1)
	}
	for _, a := range acceptedExpiryDays {
		if a >= d {
			return a
		}
	}
	return acceptedExpiryDays[len(acceptedExpiryDays)-1]
}

// snippet is the start of a body, for an error.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// redact removes the account's secrets from text that came from the gateway
// (an error message may echo the request), so that no error carries them.
func (p *Provider) redact(s string) string {
	for _, secret := range []string{p.mbKey, p.antiPhishing} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// Confirm implements checkout.Provider: a voucher has no step on the page
// to confirm; it is paid at the bank and told by the callback.
func (p *Provider) Confirm(ctx context.Context, pay *checkout.Payment, req checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return checkout.ProviderResult{}, checkout.Errorf(checkout.KindState, "payment_unexpected_state",
		"a Multibanco reference is paid at the bank; Ifthenpay's callback tells its outcome")
}

// Refund implements checkout.Provider: Ifthenpay's refund API takes MB WAY
// and card payments only ("API - Refunds",
// https://helpdesk.ifthenpay.com/en/support/solutions/articles/79000132184-api-devoluc%C3%B5es),
// so a Multibanco payment is refunded outside checkoutd, by bank transfer.
func (p *Provider) Refund(ctx context.Context, pay *checkout.Payment, amount int64, idempotencyKey string) (checkout.RefundResult, error) {
	return checkout.RefundResult{}, p.CanRefund(pay)
}

// CanRefund implements checkout.RefundChecker, so that a refund is refused
// before the service reserves anything (see Refund).
func (*Provider) CanRefund(*checkout.Payment) error {
	return checkout.Errorf(checkout.KindState, "refund_unsupported",
		"refunds are not supported by this provider: Ifthenpay cannot refund Multibanco payments; refund the customer by bank transfer")
}

// callbackParams name each value of Ifthenpay's callback: the names of its
// current documentation first, then those of its older Portuguese template
// (chave, entidade, referencia, valor), which accounts set up earlier still
// send.
var callbackParams = map[string][]string{
	"key":       {"key", "chave"},
	"entity":    {"entity", "entidade"},
	"reference": {"reference", "referencia"},
	"amount":    {"amount", "valor"},
	"requestId": {"requestId"},
}

// param is the one value of the callback's field, and which name carried
// it; ok is false when it is missing or given more than once.
func param(q map[string][]string, field string) (name, v string, ok bool) {
	found := 0
	for _, n := range callbackParams[field] {
		for _, x := range q[n] {
			name, v = n, x
			found++
		}
	}
	if found == 0 {
		return callbackParams[field][0], "", false
	}
	return name, v, found == 1
}

// HandleNotification implements checkout.Notified for Ifthenpay's callback,
// GET /providers/ifthenpay/{account}/callback?key=…&entity=…&reference=…&amount=…
// (its documented template also sends orderId, requestId and
// payment_datetime). It is believed only with the account's anti-phishing
// key, compared in constant time. Its result is the payment of the
// reference succeeded, for the amount it states: the service checks that
// the reference is an unpaid voucher of this account, for that amount.
func (p *Provider) HandleNotification(ctx context.Context, in checkout.Inbound) ([]checkout.Notification, error) {
	_, key, ok := param(in.Query, "key")
	if !ok || !p.keyMatches(key) {
		return nil, checkout.Errorf(checkout.KindUnauthorized, "bad_anti_phishing_key", "the callback does not carry the account's Ifthenpay anti-phishing key")
	}
	name, entity, ok := param(in.Query, "entity")
	if !ok || !entityRE.MatchString(entity) {
		return nil, checkout.Invalid(name, "parameter_invalid", "the callback's %s is not one 5-digit entity", name)
	}
	name, reference, ok := param(in.Query, "reference")
	reference = strings.ReplaceAll(reference, " ", "")
	if !ok || !referenceRE.MatchString(reference) {
		return nil, checkout.Invalid(name, "parameter_invalid", "the callback's %s is not one 9-digit reference", name)
	}
	name, amount, ok := param(in.Query, "amount")
	cents, parsed := parseCents(amount)
	if !ok || !parsed || cents <= 0 {
		return nil, checkout.Invalid(name, "parameter_invalid", "the callback's %s is not one amount in euros like 12.34", name)
	}
	// requestId is Ifthenpay's id of the API reference the payment is for
	// (none for an offline reference): a repeated callback carries it again.
	_, requestID, _ := param(in.Query, "requestId")
	return []checkout.Notification{{ProviderRef: refOf(entity, reference), Amount: cents, EventID: requestID,
		Result: checkout.ProviderResult{Status: checkout.PaymentSucceeded}}}, nil
}

// keyMatches compares the callback's key with the account's in constant
// time; hashing both first keeps even their lengths from showing.
func (p *Provider) keyMatches(got string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(p.antiPhishing))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
