package checkout

import (
	"maps"
	"slices"
	"time"
)

// PaymentLinkKind is the ObjectKind of a PaymentLink.
const PaymentLinkKind = "payment_link"

// Payment link events, written in the same Commit as the link.
const (
	EventPaymentLinkCreated = "payment_link.created"
	EventPaymentLinkUpdated = "payment_link.updated"
)

// PaymentLink is a URL (/l/{id}) that mints a checkout session on each
// visit, from the template it holds. A link with a Limit counts its
// completed sessions exactly: a payment of one of its sessions must hold a
// Slot before its provider is asked (see Claim), so two customers paying
// the last place at once cannot both be charged.
type PaymentLink struct {
	ID        string
	AccountID string
	Livemode  bool
	Active    bool

	// The template of the minted sessions: line items, or an amount.
	Currency           Currency
	Amount             int64 // the total; with LineItems, their sum
	LineItems          []LineItem
	Description        string
	PaymentMethodTypes []string
	Metadata           map[string]string
	// SuccessURL is after_completion.redirect.url; "" sends the customer
	// to the session's own page, which shows the receipt.
	SuccessURL string

	// Reusable is false for a single-use link: it mints one session
	// (SessionID) and every later visit goes to that session.
	Reusable  bool
	SessionID string
	ExpiresAt time.Time // zero: never
	Limit     int64     // restrictions.completed_sessions.limit; 0: none

	// CompletedSessions counts the link's sessions that completed. Slots
	// are the link's sessions now being paid, each holding one place
	// under Limit until its payment ends (only a link with a Limit keeps
	// them).
	CompletedSessions int64
	Slots             []LinkSlot

	Version int64
	Created time.Time
	Updated time.Time
}

// LinkSlot is a place under a link's limit held by a session being paid.
// It lapses like a session's payment claim (ClaimTTL after Since), so a
// process that died mid-payment does not hold it for ever.
type LinkSlot struct {
	SessionID string
	Since     time.Time
}

// ObjectKind implements Object.
func (l *PaymentLink) ObjectKind() string { return PaymentLinkKind }

// ObjectID implements Object.
func (l *PaymentLink) ObjectID() string { return l.ID }

// Scope implements Object.
func (l *PaymentLink) Scope() Scope { return Scope{AccountID: l.AccountID, Livemode: l.Livemode} }

// ObjectVersion implements Object.
func (l *PaymentLink) ObjectVersion() int64 { return l.Version }

// ObjectCreated implements Object.
func (l *PaymentLink) ObjectCreated() time.Time { return l.Created }

// LookupKeys implements Object: the id, so that the public /l/{id} finds a
// link without a key.
func (l *PaymentLink) LookupKeys() []string { return []string{l.ID} }

// Clone returns a deep copy, for event snapshots.
func (l *PaymentLink) Clone() *PaymentLink {
	c := *l
	c.LineItems = slices.Clone(l.LineItems)
	for i := range c.LineItems {
		c.LineItems[i].Images = slices.Clone(c.LineItems[i].Images)
	}
	c.PaymentMethodTypes = slices.Clone(l.PaymentMethodTypes)
	c.Metadata = maps.Clone(l.Metadata)
	c.Slots = slices.Clone(l.Slots)
	return &c
}

// Why a link mints no session: the page it shows instead.
const (
	LinkInactive  = "inactive"
	LinkExpired   = "expired"
	LinkExhausted = "exhausted"
)

// Unavailable says why the link cannot be visited at now ("" when it can).
func (l *PaymentLink) Unavailable(now time.Time) string {
	switch {
	case !l.Active:
		return LinkInactive
	case !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt):
		return LinkExpired
	case l.Limit > 0 && l.CompletedSessions >= l.Limit:
		return LinkExhausted
	}
	return ""
}

// liveSlots drops the slots that lapsed at now.
func (l *PaymentLink) liveSlots(now time.Time) {
	l.Slots = slices.DeleteFunc(l.Slots, func(s LinkSlot) bool { return !now.Before(s.Since.Add(ClaimTTL)) })
}

// Claim takes (or renews) a place under the limit for session sessionID,
// about to be paid at now. It fails with payment_link_exhausted when the
// completed sessions and the other live slots fill the limit. Like
// Session.Claim it bumps Version: it is stored with the payment's claim,
// in one compare-and-set, so of two racing payers exactly one gets the
// last place. A link without a limit needs no slot: Claim reports false.
func (l *PaymentLink) Claim(sessionID string, now time.Time) (bool, error) {
	if l.Limit <= 0 {
		return false, nil
	}
	l.liveSlots(now)
	i := slices.IndexFunc(l.Slots, func(s LinkSlot) bool { return s.SessionID == sessionID })
	switch {
	case i >= 0:
		l.Slots[i].Since = now
	case l.CompletedSessions+int64(len(l.Slots)) >= l.Limit:
		return false, &Error{Kind: KindState, Code: "payment_link_exhausted",
			Message: "this payment link has reached its limit of completed checkout sessions"}
	default:
		l.Slots = append(l.Slots, LinkSlot{SessionID: sessionID, Since: now})
	}
	l.Version++
	l.Updated = now
	return true, nil
}

// Settle records the end of a payment of session sessionID: its slot is
// freed and, when the session completed, it is counted. It reports whether
// the link changed (and must be written).
func (l *PaymentLink) Settle(sessionID string, completed bool, now time.Time) bool {
	n := len(l.Slots)
	l.Slots = slices.DeleteFunc(l.Slots, func(s LinkSlot) bool { return s.SessionID == sessionID })
	if !completed && len(l.Slots) == n {
		return false
	}
	if completed {
		l.CompletedSessions++
	}
	l.Version++
	l.Updated = now
	return true
}
