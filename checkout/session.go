package checkout

import (
	"maps"
	"slices"
	"time"
)

// SessionStatus is the lifecycle status of a checkout session.
type SessionStatus string

const (
	SessionOpen     SessionStatus = "open"
	SessionComplete SessionStatus = "complete"
	SessionExpired  SessionStatus = "expired"
	SessionCanceled SessionStatus = "canceled"
)

// SessionStatuses is every status a session can have. A store that indexes
// sessions by status pages over all of them by reading one index range per
// status, so a status missing here would hide its sessions from lists.
var SessionStatuses = []SessionStatus{SessionOpen, SessionComplete, SessionExpired, SessionCanceled}

// PaymentStatus says whether the money for a session has arrived.
type PaymentStatus string

const (
	PaymentUnpaid PaymentStatus = "unpaid"
	PaymentPaid   PaymentStatus = "paid"
)

// SessionMode is what the session collects. Only one-off payments exist today.
type SessionMode string

const ModePayment SessionMode = "payment"

// Expiry bounds. DefaultSessionTTL is the default of an account's SessionTTL.
const (
	DefaultSessionTTL = 24 * time.Hour
	MinSessionTTL     = time.Minute
	MaxSessionTTL     = 30 * 24 * time.Hour
)

// LineItem is one priced line of a session. Amounts are computed by the
// service from UnitAmount and Quantity; callers never set them.
type LineItem struct {
	ID             string
	Name           string
	Description    string
	Images         []string
	Quantity       int64
	UnitAmount     int64
	Currency       Currency
	AmountSubtotal int64
	AmountDiscount int64
	AmountTax      int64
	AmountTotal    int64
	// Product is the product the line was priced from ("" for a line given
	// with its own price): its price then, copied, not its price now.
	Product string
}

// Session is a checkout session: what the customer is asked to pay and how far
// the payment has gone. Status changes only through Apply.
type Session struct {
	ID        string
	AccountID string
	Livemode  bool
	Mode      SessionMode

	Status        SessionStatus
	PaymentStatus PaymentStatus

	Currency       Currency
	AmountSubtotal int64
	AmountDiscount int64
	AmountTax      int64
	AmountTotal    int64
	LineItems      []LineItem

	SuccessURL string
	CancelURL  string

	Customer           string
	CustomerEmail      string
	CustomerPhone      string
	ClientReferenceID  string
	Locale             string
	Description        string
	PaymentMethodTypes []string
	Metadata           map[string]string
	// Provider is the provider the session pays through (sim, stripe,
	// easypay, ifthenpay) for each method it serves: the one the request
	// named, else, for a session of one method, the account's provider for
	// it. A method it does not serve, or every method when it is "" (a
	// session of several methods that named none, or one made before
	// sessions chose), goes to the account's default for that method.
	Provider string

	// CustomerEmailLocked is set when the merchant gave CustomerEmail: the
	// customer cannot change it from the page (as on Stripe), so that a
	// receipt, or the merchant's lookup by email, cannot be redirected. An
	// email the customer typed is not locked: they may correct it after a
	// decline. Left out of the stored JSON when false, so that sessions
	// stored before it existed keep their bytes (and read back unlocked).
	CustomerEmailLocked bool `json:",omitempty"`

	// Discounts are the coupons applied to the session (at most one today),
	// computed by the service: AmountDiscount is their sum, spread over the
	// line items' AmountDiscount exactly. AllowPromotionCodes lets the
	// customer enter a promotion code on the page.
	Discounts           []Discount
	AllowPromotionCodes bool

	// Stablecoins: the token/chain pairs the session accepts (seed 003's
	// supported_tokens; nil when it takes no stablecoin), and the pair the
	// customer selected with the rate locked then ("" until then). They
	// are the last selection's: a customer may select again while the
	// session is open, each selection a payment with its own address.
	SupportedTokens []TokenChain
	Chain           string
	SelectedToken   string
	ExchangeRate    string

	// What a seed 000 caller says of the order beyond the canonical fields,
	// kept as given: the customer's first and last names and the order's
	// fulfillment (shipping, pickup or digital), shown on the page and in
	// that dialect's snapshot.
	CustomerFirstName, CustomerLastName string
	Fulfillment                         string

	// What the page asks for beyond the payment (see collect.go).
	// ShippingCountries are the countries a shipping address may be in;
	// nil when no shipping address is asked for. BillingAddressCollection,
	// TermsOfServiceConsent and SubmitType are "" on sessions made before
	// they existed, read as auto, none and auto.
	ShippingCountries        []string
	BillingAddressCollection string
	PhoneNumberCollection    bool
	CustomFields             []CustomField
	TermsOfServiceConsent    string
	CustomText               CustomText
	SubmitType               string

	// What the customer gave, recorded with the claim of the payment
	// attempt that carried it (the last one's): nil and false until then.
	CustomerDetails *CustomerDetails
	ShippingDetails *ShippingDetails
	TermsAccepted   bool

	// Payment is the id of the payment that completed the session.
	Payment string
	// PaymentLink is the id of the payment link that minted the session;
	// "" for a session made through the API.
	PaymentLink string
	// PublicToken identifies the session on customer-facing URLs that carry
	// a token rather than the id (seed 002's publicToken). The service
	// derives it from the id, and finds a session by it through the id.
	PublicToken string
	// CSRFToken is embedded in the hosted page's forms; a form post must
	// carry it (seed 003's csrf_token), so no other site can pay or act
	// on the customer's behalf.
	CSRFToken string

	// PaymentInFlight is the payment now being charged for this session, and
	// InFlightSince when its claim was taken (see Claim). While a claim is
	// live no other payment may start and the session cannot expire, so two
	// tabs, replicas or retries can never charge the customer twice.
	PaymentInFlight string
	InFlightSince   time.Time
	// FailedAttempts counts declined payments, for card-testing protection.
	FailedAttempts int

	// Version increases by one on every write; stores compare-and-set on it.
	Version int64
	// EventSeq is the sequence number of the last event written for this session.
	EventSeq int64

	Created     time.Time
	Updated     time.Time
	ExpiresAt   time.Time
	AccessedAt  time.Time // zero until a customer opens the page
	CompletedAt time.Time // zero until complete
	ExpiredAt   time.Time // zero until the expiry is written
	CanceledAt  time.Time // zero until canceled

	// ReturnURL is seed 003's return_url: where the merchant's own
	// integration sends the customer back, kept as given ("" when none).
	ReturnURL string

	// Invoice is the invoice the session pays ("" for none): its line
	// items and amount are the invoice's, and its completion marks the
	// invoice paid in the same write.
	Invoice string
	// CompanionDevice is the in-store device (dev_…, or a test device id
	// in test mode) an in_store payment of the session is pushed to; ""
	// when the session names none.
	CompanionDevice string
}

// Scope is what every stored object belongs to: one account, in one mode.
// Every store read is confined to a scope; nothing crosses scopes.
type Scope struct {
	AccountID string
	Livemode  bool
}

// Scope returns the session's scope.
func (s *Session) Scope() Scope { return Scope{AccountID: s.AccountID, Livemode: s.Livemode} }

// StatusAt is the status every reader must see at now: an open session is
// expired from ExpiresAt on, whether or not the expiry has been written yet.
func (s *Session) StatusAt(now time.Time) SessionStatus {
	if s.Status == SessionOpen && !now.Before(s.ExpiresAt) {
		return SessionExpired
	}
	return s.Status
}

// Clone returns a deep copy, so a snapshot taken for an event cannot change
// when the session is changed later.
func (s *Session) Clone() *Session {
	c := *s
	// slices.Clone keeps nil nil and empty empty: the stored JSON tells
	// them apart (null, []), and a clone must store as its original does.
	c.LineItems = slices.Clone(s.LineItems)
	for i := range c.LineItems {
		c.LineItems[i].Images = slices.Clone(c.LineItems[i].Images)
	}
	c.PaymentMethodTypes = slices.Clone(s.PaymentMethodTypes)
	c.Metadata = maps.Clone(s.Metadata) // nil stays nil; copies the table whole
	c.Discounts = slices.Clone(s.Discounts)
	c.SupportedTokens = slices.Clone(s.SupportedTokens)
	cloneCollect(&c)
	return &c
}

// Observed returns the session as a reader at now must see it (see StatusAt).
// The stored session is not changed.
func (s *Session) Observed(now time.Time) *Session {
	st := s.StatusAt(now)
	if st == s.Status {
		return s
	}
	c := s.Clone()
	c.Status = st
	return c
}
