// Package sim is checkoutd's built-in payment simulator, the provider of every
// test-mode payment. It follows Stripe's published test card numbers, so the
// numbers developers already know behave as they expect, and it simulates a
// multibanco voucher that a test helper settles (through the service, as a
// gateway's notification would). It moves no money and calls nothing outside
// the process.
package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Provider is the simulator.
type Provider struct {
	// VoucherTTL is how long a multibanco voucher can be paid.
	VoucherTTL time.Duration
	Clock      checkout.Clock
}

var _ checkout.Provider = (*Provider)(nil)

// New returns a simulator with three-day vouchers.
func New(clock checkout.Clock) *Provider { return &Provider{VoucherTTL: 72 * time.Hour, Clock: clock} }

// Factory serves every account's test mode with p. The simulator needs no
// credentials, and it never serves live mode: it moves no money.
func Factory(p *Provider) checkout.ProviderFactory {
	return func(_ *checkout.Account, livemode bool) (checkout.Provider, error) {
		if livemode {
			return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "the payment simulator serves test mode only")
		}
		return p, nil
	}
}

// Name implements checkout.Provider.
func (*Provider) Name() string { return "sim" }

// Methods implements checkout.Provider.
func (*Provider) Methods() []checkout.Method {
	return []checkout.Method{checkout.MethodCard, checkout.MethodMultibanco, checkout.MethodInStore}
}

// Page implements checkout.Provider. In test mode the page's own inputs take
// the card, since the simulator's test numbers are not real cards; it loads
// no script and needs no Content-Security-Policy source.
func (*Provider) Page(m checkout.Method) checkout.PageSpec {
	if m == checkout.MethodCard {
		// Through an API it takes Stripe's test PaymentMethods instead
		// (testTokens), as a Stripe account in test mode does.
		return checkout.PageSpec{Fields: []checkout.PageField{checkout.FieldCardNumber, checkout.FieldCardExpiry, checkout.FieldCardCVC}, APITokens: true}
	}
	return checkout.PageSpec{}
}

type outcome struct {
	code    string
	message string
	action  bool // 3-D Secure challenge first
}

// cards maps Stripe's test numbers to what happens. Numbers not listed are
// declined: in test mode only test cards are accepted, as with Stripe.
var cards = map[string]outcome{
	"4242424242424242": {},
	"4000056655665556": {},
	"5555555555554444": {},
	"2223003122003222": {},
	"378282246310005":  {},
	"4000000000000002": {code: "card_declined", message: "Your card was declined."},
	"4000000000009995": {code: "insufficient_funds", message: "Your card has insufficient funds."},
	"4000000000000069": {code: "expired_card", message: "Your card has expired."},
	"4000000000000127": {code: "incorrect_cvc", message: "Your card's security code is incorrect."},
	"4000000000000119": {code: "processing_error", message: "An error occurred while processing your card. Try again in a little bit."},
	"4000002760003184": {action: true},
	"4000002500003155": {action: true},
}

// testTokens maps Stripe's documented test PaymentMethods (and the
// legacy tok_visa) to the test card that behaves the same.
var testTokens = map[string]string{
	"pm_card_visa":           "4242424242424242",
	"tok_visa":               "4242424242424242",
	"pm_card_mastercard":     "5555555555554444",
	"pm_card_amex":           "378282246310005",
	"pm_card_chargeDeclined": "4000000000000002",
	"pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
	"pm_card_chargeDeclinedExpiredCard":       "4000000000000069",
	"pm_card_chargeDeclinedIncorrectCvc":      "4000000000000127",
	"pm_card_chargeDeclinedProcessingError":   "4000000000000119",
	"pm_card_threeDSecure2Required":           "4000002760003184",
}

// CheckToken implements checkout.TokenChecker: only the test tokens above.
func (*Provider) CheckToken(token string) error {
	if _, ok := testTokens[token]; !ok {
		return checkout.Invalid("payment_token", "token_unknown",
			"'%s' is not a test PaymentMethod this test mode knows: use one of %s", token, strings.Join(slices.Sorted(maps.Keys(testTokens)), ", "))
	}
	return nil
}

// Start implements checkout.Provider.
func (p *Provider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	ref := "sim_" + req.Payment.ID
	switch req.Payment.Method {
	case checkout.MethodCard:
		number := ""
		switch {
		case req.Card != nil:
			number = req.Card.Number
		case req.Token != "":
			n, ok := testTokens[req.Token]
			if !ok {
				return checkout.ProviderResult{}, fmt.Errorf("sim: unknown token (CheckToken refuses it first)")
			}
			number = n
		default:
			return checkout.ProviderResult{}, fmt.Errorf("sim: card payment without a card")
		}
		o, known := cards[number]
		switch {
		case !known:
			return failed(ref, "card_declined", "Your card was declined. This is test mode: use a test card such as 4242 4242 4242 4242."), nil
		case o.action:
			return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: ref, Action: &checkout.NextAction{
				Kind: checkout.NextActionRedirect, Redirect: &checkout.Redirect{ThreeDSecure: true}}}, nil
		case o.code != "":
			return failed(ref, o.code, o.message), nil
		}
		return checkout.ProviderResult{Status: checkout.PaymentSucceeded, ProviderRef: ref}, nil
	case checkout.MethodMultibanco:
		return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, Async: true, ProviderRef: ref,
			Action: voucher(req.Payment.ID, p.Clock.Now().Add(p.VoucherTTL))}, nil
	case checkout.MethodInStore:
		// Handed to the session's companion device, which reports through
		// the service; the push's deadline is the service's to set.
		if req.Session.CompanionDevice == "" {
			return checkout.ProviderResult{}, fmt.Errorf("sim: in_store payment of a session with no companion device")
		}
		return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: ref, Action: &checkout.NextAction{
			Kind: checkout.NextActionDevice, Device: &checkout.DeviceHandoff{DeviceID: req.Session.CompanionDevice}}}, nil
	}
	return checkout.ProviderResult{}, fmt.Errorf("sim: unsupported method %q", req.Payment.Method)
}

// Confirm implements checkout.Provider: the 3-D Secure challenge's outcome.
func (p *Provider) Confirm(ctx context.Context, pay *checkout.Payment, req checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	if !pay.Action.IsChallenge() {
		return checkout.ProviderResult{}, fmt.Errorf("sim: payment %s awaits no challenge", pay.ID)
	}
	if req.Completed {
		return checkout.ProviderResult{Status: checkout.PaymentSucceeded, ProviderRef: pay.ProviderRef}, nil
	}
	return failed(pay.ProviderRef, "authentication_failed", "The card's 3-D Secure authentication failed."), nil
}

// Refund implements checkout.Provider: a test-mode refund succeeds at once.
// Its reference comes from the key, so a retry names the same refund.
func (p *Provider) Refund(ctx context.Context, pay *checkout.Payment, amount int64, idempotencyKey string) (checkout.RefundResult, error) {
	if pay.Status != checkout.PaymentSucceeded {
		return checkout.RefundResult{}, fmt.Errorf("sim: payment %s is %s, not succeeded", pay.ID, pay.Status)
	}
	h := sha256.Sum256([]byte(pay.ID + "\x00" + idempotencyKey))
	return checkout.RefundResult{Status: checkout.RefundSucceeded, Amount: amount, ProviderRef: fmt.Sprintf("simre_%x", h[:8])}, nil
}

func failed(ref, code, msg string) checkout.ProviderResult {
	return checkout.ProviderResult{Status: checkout.PaymentFailed, ProviderRef: ref, FailureCode: code, FailureMessage: msg}
}

// voucher derives a stable entity and reference from the payment id, shaped
// like real multibanco ones (5-digit entity, 9-digit reference).
func voucher(paymentID string, expires time.Time) *checkout.NextAction {
	h := sha256.Sum256([]byte(paymentID))
	ref := binary.BigEndian.Uint64(h[:8]) % 1_000_000_000
	return &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: expires,
		Voucher: &checkout.Voucher{Entity: "21098", Reference: fmt.Sprintf("%09d", ref)}}
}
