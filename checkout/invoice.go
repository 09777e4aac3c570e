package checkout

import (
	"maps"
	"slices"
	"time"
)

// InvoiceKind is the ObjectKind of an Invoice.
const InvoiceKind = "invoice"

// Invoice events, written in the same Commit as the invoice: invoice.paid
// in the very Commit that completes the session that paid it.
const (
	EventInvoiceCreated   = "invoice.created"
	EventInvoiceUpdated   = "invoice.updated"
	EventInvoiceFinalized = "invoice.finalized"
	EventInvoicePaid      = "invoice.paid"
	EventInvoiceVoided    = "invoice.voided"
)

// InvoiceStatus is where an invoice is in its life:
// draft → open (finalized) → paid | void.
type InvoiceStatus string

const (
	InvoiceDraft InvoiceStatus = "draft"
	InvoiceOpen  InvoiceStatus = "open"
	InvoicePaid  InvoiceStatus = "paid"
	InvoiceVoid  InvoiceStatus = "void"
)

// InvoiceStatuses is every status an invoice can have.
var InvoiceStatuses = []InvoiceStatus{InvoiceDraft, InvoiceOpen, InvoicePaid, InvoiceVoid}

// Invoice is a bill a merchant sends a customer, paid through a checkout
// session made for it (Session.Invoice). Only an open invoice can be
// paid, and by one session only: a payment of one of its sessions holds
// it (Holder, taken in the payment's claim Commit) before any provider is
// asked, so of two sessions paid at once one is refused.
type Invoice struct {
	ID            string
	AccountID     string
	Livemode      bool
	Status        InvoiceStatus
	CustomerEmail string
	CustomerName  string
	Description   string
	Currency      Currency
	Lines         []InvoiceLine
	AmountDue     int64     // the lines' sum, computed by the service
	DueDate       time.Time // zero: none
	Metadata      map[string]string

	// Holder is the session whose payment holds the invoice now; Session
	// the one that paid it (set with Status paid).
	Holder  InvoiceHolder
	Session string

	FinalizedAt time.Time
	PaidAt      time.Time
	VoidedAt    time.Time

	Version int64
	Created time.Time
	Updated time.Time
}

// InvoiceLine is one line of an invoice: free-form, or taken from a
// product (Product set), whose price was copied when the line was added.
type InvoiceLine struct {
	ID          string
	Product     string
	Name        string
	Description string
	Quantity    int64
	UnitAmount  int64
	Amount      int64 // UnitAmount × Quantity
}

// InvoiceHolder is a session's hold on an invoice while it is being paid.
// Like a payment claim it lapses after ClaimTTL (a process that died
// mid-payment must not hold the invoice for ever), except while Awaiting:
// the session's payment waits for an outcome that comes later (a voucher
// being paid at an ATM), and the invoice is held until that outcome.
// Until, when set, keeps it held to then whatever Since says: a payment
// waiting on its own (a deposit address, a voucher, a device) can still be
// paid until its deadline, and coins sent to a deposit address cannot be
// refunded if another session paid the invoice meanwhile.
type InvoiceHolder struct {
	SessionID string
	Since     time.Time
	Awaiting  bool
	Until     time.Time
}

// Live reports whether the hold still holds at now.
func (h InvoiceHolder) Live(now time.Time) bool {
	return h.SessionID != "" && (h.Awaiting || now.Before(h.Since.Add(ClaimTTL)) || now.Before(h.Until))
}

// ObjectKind implements Object.
func (i *Invoice) ObjectKind() string { return InvoiceKind }

// ObjectID implements Object.
func (i *Invoice) ObjectID() string { return i.ID }

// Scope implements Object.
func (i *Invoice) Scope() Scope { return Scope{AccountID: i.AccountID, Livemode: i.Livemode} }

// ObjectVersion implements Object.
func (i *Invoice) ObjectVersion() int64 { return i.Version }

// ObjectCreated implements Object.
func (i *Invoice) ObjectCreated() time.Time { return i.Created }

// LookupKeys implements Object: an invoice is read by id in its scope only.
func (i *Invoice) LookupKeys() []string { return nil }

// Clone returns a deep copy, for event snapshots.
func (i *Invoice) Clone() *Invoice {
	c := *i
	c.Lines = slices.Clone(i.Lines)
	c.Metadata = maps.Clone(i.Metadata)
	return &c
}

// notOpen is the KindState error of paying an invoice that is not open;
// the page shows its message to the customer.
func (i *Invoice) notOpen() *Error {
	msg := "this invoice is not finalized yet and cannot be paid"
	switch i.Status {
	case InvoicePaid:
		msg = "this invoice has already been paid"
	case InvoiceVoid:
		msg = "this invoice has been voided and can no longer be paid"
	}
	return &Error{Kind: KindState, Code: "invoice_" + string(i.Status), Message: msg}
}

// bump records a change at now.
func (i *Invoice) bump(now time.Time) {
	i.Version++
	i.Updated = now
}

// Finalize opens a draft invoice at now: from then on it can be paid and
// its lines no longer change.
func (i *Invoice) Finalize(now time.Time) error {
	if i.Status != InvoiceDraft {
		return &Error{Kind: KindState, Code: "invoice_not_draft", Message: "invoice " + i.ID + " is " + string(i.Status) + "; only a draft can be finalized"}
	}
	i.Status, i.FinalizedAt = InvoiceOpen, now
	i.bump(now)
	return nil
}

// Void ends an open invoice at now unpaid. An invoice a payment holds
// cannot be voided: that payment may be charging the customer now.
func (i *Invoice) Void(now time.Time) error {
	if i.Status != InvoiceOpen {
		return &Error{Kind: KindState, Code: "invoice_not_open", Message: "invoice " + i.ID + " is " + string(i.Status) + "; only an open invoice can be voided"}
	}
	if i.Holder.Live(now) {
		return &Error{Kind: KindState, Code: "invoice_payment_in_progress", Message: "a payment of invoice " + i.ID + " is in progress; it cannot be voided now"}
	}
	i.Status, i.VoidedAt, i.Holder = InvoiceVoid, now, InvoiceHolder{}
	i.bump(now)
	return nil
}

// Accepts reports whether session sessionID may pay the invoice at now:
// it is open and no other session's payment holds it.
func (i *Invoice) Accepts(sessionID string, now time.Time) bool {
	return i.Status == InvoiceOpen && (!i.Holder.Live(now) || i.Holder.SessionID == sessionID)
}

// Claim takes (or renews) the hold of session sessionID, about to be paid
// at now. It fails (KindState) when the invoice is not open or another
// session's payment holds it. Like Session.Claim it bumps Version: it is
// stored with the payment's claim, in one compare-and-set.
func (i *Invoice) Claim(sessionID string, now time.Time) error {
	if i.Status != InvoiceOpen {
		return i.notOpen()
	}
	if !i.Accepts(sessionID, now) {
		return &Error{Kind: KindState, Code: "invoice_payment_in_progress",
			Message: "this invoice is being paid in another checkout session; try again in a few minutes"}
	}
	until := time.Time{}
	if i.Holder.SessionID == sessionID {
		// Another attempt of the same session keeps what its waiting
		// payment holds: that payment can still be paid.
		until = i.Holder.Until
	}
	i.Holder = InvoiceHolder{SessionID: sessionID, Since: now, Until: until}
	i.bump(now)
	return nil
}

// Hold keeps the hold of session sessionID, whose payment waits on its own
// for an outcome, until until at least. It reports whether the invoice
// changed: not when it is not open, another session holds it, or it is
// already held that long.
func (i *Invoice) Hold(sessionID string, until, now time.Time) bool {
	if !i.Accepts(sessionID, now) || !until.After(i.Holder.Until) {
		return false
	}
	if i.Holder.SessionID != sessionID {
		i.Holder = InvoiceHolder{SessionID: sessionID, Since: now}
	}
	i.Holder.Until = until
	i.bump(now)
	return true
}

// Keep sets the hold of session sessionID, one of whose payments ended
// while another still waits on its own, to until: that one's deadline and
// a margin. It reports whether the invoice changed (false when another
// session holds it).
func (i *Invoice) Keep(sessionID string, until, now time.Time) bool {
	if i.Holder.SessionID != sessionID || i.Status != InvoiceOpen {
		return false
	}
	i.Holder = InvoiceHolder{SessionID: sessionID, Since: now, Until: until}
	i.bump(now)
	return true
}

// How a payment of one of the invoice's sessions ended, for Settle.
const (
	InvoiceSettlePaid     = "paid"     // the session completed paid
	InvoiceSettleAwaiting = "awaiting" // complete, its payment's outcome comes later
	InvoiceSettleEnded    = "ended"    // the payment ended without paying
)

// Settle records how the payment of session sessionID ended (one of the
// InvoiceSettle outcomes) and reports whether the invoice changed. Paid
// marks it paid by the session (the caller checked Accepts first).
func (i *Invoice) Settle(sessionID, outcome string, now time.Time) bool {
	switch outcome {
	case InvoiceSettlePaid:
		if i.Status != InvoiceOpen {
			return false
		}
		i.Status, i.PaidAt, i.Session, i.Holder = InvoicePaid, now, sessionID, InvoiceHolder{}
	case InvoiceSettleAwaiting:
		if i.Status != InvoiceOpen || (i.Holder.Live(now) && i.Holder.SessionID != sessionID) {
			return false
		}
		i.Holder = InvoiceHolder{SessionID: sessionID, Since: now, Awaiting: true}
	default:
		if i.Holder.SessionID != sessionID {
			return false
		}
		i.Holder = InvoiceHolder{}
	}
	i.bump(now)
	return true
}
