package checkout

import (
	"context"
	"time"
)

// Method is a way to pay, as a session's payment_method_types names it.
// Sessions keep their list as strings (what the API took); a payment, and
// everything that talks to a provider, uses Method.
type Method string

const (
	MethodCard       Method = "card"
	MethodMultibanco Method = "multibanco"
)

// NextActionKind says what a customer must do before a payment can finish.
// The kinds are neutral: each provider expresses its own steps (a Stripe
// PaymentIntent's next_action, a gateway's voucher, a chain watcher's
// address) as one of them, so the service and the page handle a kind once
// for every provider.
type NextActionKind string

const (
	// NextActionRedirect: the customer goes to a page and comes back — a
	// card's 3-D Secure challenge, a wallet's approval. See Redirect.
	NextActionRedirect NextActionKind = "redirect"
	// NextActionClientSecret: a provider's browser SDK confirms the payment
	// on the page with a client secret (Stripe.js and a PaymentIntent).
	NextActionClientSecret NextActionKind = "client_secret"
	// NextActionVoucher: the customer pays a reference later, elsewhere (a
	// Multibanco ATM or home banking); the outcome arrives asynchronously.
	NextActionVoucher NextActionKind = "voucher"
	// NextActionDepositAddress: the customer sends funds to an address on a
	// chain; a watcher reports what arrives. The address and amount are the
	// payment's Deposit, which outlives the action.
	NextActionDepositAddress NextActionKind = "deposit_address"
	// NextActionDevice: the payment was handed to an in-store device (a card
	// reader), which finishes it.
	NextActionDevice NextActionKind = "device"
)

// NextAction is what the customer must do while a payment is
// requires_action. Exactly the sub-struct of its Kind is set.
type NextAction struct {
	Kind NextActionKind
	// ExpiresAt is when the action lapses; zero when it does not. It is
	// common to every kind because the expiry sweep (Store.DuePayments)
	// fails a payment still waiting at its deadline, whatever it waits for.
	ExpiresAt time.Time

	Redirect     *Redirect
	ClientSecret *ClientSecret
	Voucher      *Voucher
	Device       *DeviceHandoff
}

// Redirect is a page the customer visits before the payment goes on.
type Redirect struct {
	// URL is the page, at the provider. Empty means the hosted page shows
	// the step itself (the simulator's challenge, /checkout/{id}/3ds/{payment}).
	URL string
	// ThreeDSecure says the page is a card's 3-D Secure challenge.
	ThreeDSecure bool
}

// ClientSecret lets a provider's browser SDK confirm the payment.
type ClientSecret struct {
	Secret string
}

// Voucher is a reference to pay. Its amount is the payment's.
type Voucher struct {
	Entity    string
	Reference string
}

// DeviceHandoff names the device that finishes the payment.
type DeviceHandoff struct {
	DeviceID string
	// ReaderID is the provider's card reader the payment was handed to
	// (a Stripe Terminal reader), when the device is one: the provider
	// calls the reader's action off with it.
	ReaderID string
	// ClientSecret lets a companion app collect the card with the
	// provider's own SDK (Stripe Terminal's, with the PaymentIntent's
	// client secret); empty when the provider needs none.
	ClientSecret string
}

// DeviceID is the device a device hand-off names; "" for any other action.
func (a *NextAction) DeviceID() string {
	if a == nil || a.Device == nil {
		return ""
	}
	return a.Device.DeviceID
}

// Clone returns a deep copy.
func (a *NextAction) Clone() *NextAction {
	if a == nil {
		return nil
	}
	c := *a
	c.Redirect = clonePtr(a.Redirect)
	c.ClientSecret = clonePtr(a.ClientSecret)
	c.Voucher = clonePtr(a.Voucher)
	c.Device = clonePtr(a.Device)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// IsChallenge reports whether a is a 3-D Secure challenge the hosted page
// shows itself (the simulator's).
func (a *NextAction) IsChallenge() bool {
	return a != nil && a.Kind == NextActionRedirect && a.Redirect != nil && a.Redirect.ThreeDSecure && a.Redirect.URL == ""
}

// ProviderResult is a provider's answer about an attempt: to Start, to
// Confirm, or told later (a notification, a watcher).
type ProviderResult struct {
	Status PaymentState
	// Async says the outcome arrives later, on its own (a voucher paid, a
	// deposit seen): the session completes unpaid meanwhile, and the
	// customer is not expected back. It goes with requires_action or
	// processing.
	Async          bool
	FailureCode    string
	FailureMessage string
	// ProviderRef is the provider's own id for the attempt; empty keeps
	// the one the payment has.
	ProviderRef string
	// Action is what the customer must do, with Status requires_action.
	Action *NextAction
	// CardBrand and CardLast4 describe a card that checkoutd never saw (one
	// tokenised in the browser), for the payment to record; empty keeps
	// what it has.
	CardBrand, CardLast4 string
	// Deposit, when set, replaces the payment's (a stablecoin payment's
	// address at Start; what the watcher has seen arrive since).
	Deposit *Deposit
	// Detail is for the operator's log only: why the provider refused an
	// attempt that was not the customer's fault (a revoked API key, a
	// parameter it refused), with no credential in it. It is logged,
	// never shown to the customer nor stored.
	Detail string
}

// StartRequest is what a provider needs to start an attempt. At most one of
// Card and Token is set: Card only for the simulator, which is shown the
// number in test mode (it must not keep it); Token for a provider whose
// browser SDK tokenised the card on the page, so the number never reaches
// checkoutd.
type StartRequest struct {
	Payment *Payment
	Session *Session
	Card    *Card
	Token   string
	// IdempotencyKey is derived from the payment's id by the service: a
	// provider sends it with the call that charges (Stripe's and Easypay's
	// Idempotency-Key), so an attempt retried after a timeout is the same
	// charge at the gateway, never a second one.
	IdempotencyKey string
	// ReturnURL is where a customer sent away by the provider (a 3-D Secure
	// page, Stripe's next action) comes back to:
	// PublicURL/checkout/{session}/return/{payment}. The hosted page
	// confirms the payment there with the query it comes back with.
	ReturnURL string
	// Refs hands out references from a counter checkoutd keeps, for a
	// provider that makes its own (Ifthenpay's offline Multibanco
	// references); nil for a service that keeps none. A stablecoin
	// provider takes its deposit addresses' derivation indexes from it.
	Refs RefAllocator
	// Stablecoin is the token and chain the customer selected, for
	// MethodStablecoin.
	Stablecoin TokenChain
	// Reader is the provider's card reader the session's companion device
	// is (Device.ReaderID: a Stripe Terminal reader), for an in_store
	// payment the provider hands to it; empty for a companion app or a
	// test device.
	Reader string
	// SharedRefs is like Refs, but its counters are one per provider and
	// key across every account and mode (kept in SharedRefScope): a
	// stablecoin provider numbers its key's derivation indexes from it, so
	// two accounts given the same extended public key (every test-mode
	// account without one shares the built-in key) never derive the same
	// deposit address. Nil for a service that keeps none.
	SharedRefs RefAllocator
}

// RefAllocator keeps counters for providers that number their references
// themselves, so that providers stay free of the store.
type RefAllocator interface {
	// Next returns the next value, in [0, modulo), of the counter named key
	// (one counter per account, mode, provider and key) for which
	// inUse(n) is false, and advances the counter past it. Concurrent
	// callers never get the same value from one advance; a counter that
	// wraps skips the values inUse reports, so a reference still awaiting
	// its payment is never issued twice. KindState when every value is in
	// use.
	Next(ctx context.Context, key string, modulo int, inUse func(n int) bool) (int, error)
	// Held reports whether provider reference ref belongs to a payment of
	// this provider that is not final (a voucher still awaiting payment):
	// what inUse asks.
	Held(ctx context.Context, ref string) (bool, error)
}

// ConfirmRequest is what the customer did on a payment's next action.
type ConfirmRequest struct {
	// Completed: the customer completed the step (a challenge passed); false
	// means it failed or was abandoned.
	Completed bool
	// Params are what the customer came back with from a redirect (query or
	// form values), for the provider to check; nil for the page's own steps.
	Params map[string]string
}

// RefundStatus is the state of a refund.
type RefundStatus string

const (
	RefundSucceeded RefundStatus = "succeeded"
	RefundPending   RefundStatus = "pending"
	RefundFailed    RefundStatus = "failed"
)

// RefundResult is a provider's answer to a refund, or a gateway's report
// of one (Notification.Refunds).
type RefundResult struct {
	Status         RefundStatus
	Amount         int64
	ProviderRef    string
	FailureCode    string
	FailureMessage string
	// RefundID is checkoutd's id of the refund (re_…) when the gateway
	// echoes it in a report (the service's idempotency key for a refund is
	// "checkoutd_" + that id, which a provider may store with the refund,
	// as Stripe metadata). It matches a report to a refund whose answer
	// was lost (a timeout), which has no ProviderRef yet; empty otherwise.
	RefundID string
}

// PageField is an input the hosted page asks the customer for, for a
// method, and passes to the provider.
type PageField string

const (
	FieldCardNumber PageField = "card_number"
	FieldCardExpiry PageField = "card_expiry"
	FieldCardCVC    PageField = "card_cvc"
	// FieldToken is a hidden input that a provider's script fills with the
	// token of what the customer typed into the provider's own fields.
	FieldToken PageField = "payment_token"
)

// TokenChecker is a Provider that can tell, before any attempt, whether a
// payment token is one it could take (its shape; in test mode, the test
// tokens it knows). A token it cannot take is refused as bad input, before
// the session is claimed, so nothing is written.
type TokenChecker interface {
	CheckToken(token string) error
}

// PageSpec is what the hosted page needs to offer a method through a
// provider: the inputs it shows, the scripts it loads and the sources its
// Content-Security-Policy must admit for them. Sources are CSP
// host-sources (https://js.stripe.com), written into the header as given,
// so they come from the provider's code, never from a request.
type PageSpec struct {
	Fields []PageField
	// APITokens says the provider also takes a payment token sent through
	// an API rather than made by its page's script (seed 000's
	// sourceToken: a Stripe PaymentMethod id).
	APITokens bool
	// Data are values the provider's script reads from the page (a
	// publishable key), written as data-* attributes of the method's mount
	// point, escaped; never a secret.
	Data       map[string]string
	Scripts    []string
	ScriptSrc  []string
	FrameSrc   []string
	ConnectSrc []string
}

// Provider moves money. The simulator is one; Stripe or Multibanco gateways
// are others. The service tells a provider of a payment and it answers with
// a ProviderResult; providers never touch the store. A payment remembers
// its provider by Name, and every call after Start goes to that provider.
type Provider interface {
	// Name is how payments record which provider handled them.
	Name() string
	// Methods lists the methods the provider handles.
	Methods() []Method
	// Page describes what the hosted page needs for method m.
	Page(m Method) PageSpec
	// Start begins an attempt. A decline is a result with Status failed, not
	// an error; errors mean the provider could not be asked.
	Start(ctx context.Context, req StartRequest) (ProviderResult, error)
	// Confirm reports what the customer did on the payment's next action
	// (a 3-D Secure challenge, a redirect's return).
	Confirm(ctx context.Context, p *Payment, req ConfirmRequest) (ProviderResult, error)
	// Refund returns amount (minor units) of a succeeded payment. The key
	// makes a retried refund the same refund at the provider. A refusal
	// made before anything was sent is an *Error of KindState or
	// KindInvalid: the refund fails. Any other error means the money may
	// have moved (a timeout): the refund stays pending until the provider
	// reports it. A provider that cannot refund some payments also
	// implements RefundChecker, asked before anything is written.
	Refund(ctx context.Context, p *Payment, amount int64, idempotencyKey string) (RefundResult, error)
}

// Notification is one verified result a provider was told of. A gateway's
// message names the provider's reference; PaymentID is set too when the
// gateway echoes the merchant reference it was given at Start.
type Notification struct {
	ProviderRef string
	PaymentID   string
	// EventID is the gateway's own id of the message (Stripe's evt_…), when
	// it has one: the service records it, and a message seen before changes
	// nothing again.
	EventID string
	// Amount is what the gateway says was paid, in the payment's minor
	// units, when its message says (a Multibanco callback); 0 when it does
	// not. A result whose amount is not the payment's is recorded and
	// changes nothing.
	Amount int64
	// Result is the payment's new state. Its Status is empty when the
	// message only reports refunds.
	Result ProviderResult
	// Refunds are refunds of the payment the gateway reports (Stripe's
	// charge.refunded, made from checkoutd or from the gateway's own
	// dashboard), each with its ProviderRef, Amount and Status.
	Refunds []RefundResult
}

// Inbound is a message a gateway sent to checkoutd (a webhook, a callback),
// as the HTTP request carried it, for its provider to verify and read.
type Inbound struct {
	Method string
	Query  map[string][]string
	Header map[string][]string
	Body   []byte
}

// Notified is a provider that is told of outcomes (a gateway's webhook or
// callback). The service hands it the request; it checks it (signature,
// anti-phishing key, or asking the gateway back: a body is never believed
// on its own) and returns the results it carries. An error means the
// message is not to be trusted or not understood.
type Notified interface {
	Provider
	HandleNotification(ctx context.Context, in Inbound) ([]Notification, error)
}

// Poller is a provider that can be asked about an attempt at any time:
// the reconciler asks it about payments whose notification is late, and
// the service asks it when a customer comes back.
type Poller interface {
	Provider
	// Poll returns the attempt's state at the provider now. A result still
	// processing or requires_action says the provider has not decided.
	Poll(ctx context.Context, p *Payment) (ProviderResult, error)
}

// Canceler is a Provider that can call off an attempt still waiting at it
// (a PaymentIntent handed to a card reader), so that it can no longer take
// money: the service does so before it records a device's decline or
// cancel, a push that timed out, or a push to a revoked device, so that an
// attempt checkoutd ended never succeeds unseen.
type Canceler interface {
	Provider
	// Cancel calls off attempt p and returns its state after: canceled,
	// or the outcome the provider had already reached (a success the
	// cancel came too late for, or an attempt still processing). An error
	// means it could not be called off and may still take money.
	Cancel(ctx context.Context, p *Payment) (ProviderResult, error)
}

// ReaderChecker is a Provider whose card readers a device can be (Stripe
// Terminal): it says whether the account has reader id, before a device
// names it. KindInvalid naming "reader" for a reader it does not have.
type ReaderChecker interface {
	Provider
	CheckReader(ctx context.Context, id string) error
}

// ResultSink takes verified results pushed by a provider. The service's
// one entry point for them is behind it.
type ResultSink func(ctx context.Context, n Notification) error

// A provider whose outcomes are found by watching a chain does not watch
// by itself: it hands the service a ChainReader per chain (chain.go), and
// the service keeps the watcher's lease, cursor and watched payments in the
// store, so that one replica watches each chain and a restart resumes.

// ProviderFactory builds a provider that needs no credentials (the
// simulator) for an account and mode; a gateway's factory is a
// CredentialedFactory, given the account's own credentials. It returns a
// KindState error when the account cannot use the provider in that mode.
type ProviderFactory func(acct *Account, livemode bool) (Provider, error)
