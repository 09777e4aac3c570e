package http

import (
	"encoding/json"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
)

// FormatV2 is the webhook endpoint format of seed 002's integrations: the
// event's type in the dialect's names and data.object, for the objects the
// dialect has, as /v2/… shows it.
const FormatV2 = "v2"

// v2EventTypes are the dialect's names of the canonical event types. The
// dialect writes its objects as one word (checkout_session, checkout_link),
// so checkout.session.* and payment_link.* are renamed; the rest keep their
// names. Every canonical type has an entry (a test reads the checkout
// package's constants), so a new type is named here when it is added rather
// than slipping through under its canonical name.
var v2EventTypes = map[string]string{
	checkout.EventSessionCompleted:      "checkout_session.completed",
	checkout.EventSessionExpired:        "checkout_session.expired",
	checkout.EventSessionCanceled:       "checkout_session.canceled",
	checkout.EventAsyncPaymentSucceeded: "checkout_session.async_payment_succeeded",
	checkout.EventAsyncPaymentFailed:    "checkout_session.async_payment_failed",
	checkout.EventPaymentLinkCreated:    "checkout_link.created",
	checkout.EventPaymentLinkUpdated:    "checkout_link.updated",

	checkout.EventInvoiceCreated:   checkout.EventInvoiceCreated,
	checkout.EventInvoiceUpdated:   checkout.EventInvoiceUpdated,
	checkout.EventInvoiceFinalized: checkout.EventInvoiceFinalized,
	checkout.EventInvoicePaid:      checkout.EventInvoicePaid,
	checkout.EventInvoiceVoided:    checkout.EventInvoiceVoided,
	checkout.EventProductCreated:   checkout.EventProductCreated,
	checkout.EventProductUpdated:   checkout.EventProductUpdated,

	checkout.EventPaymentSucceeded:    checkout.EventPaymentSucceeded,
	checkout.EventPaymentFailed:       checkout.EventPaymentFailed,
	checkout.EventPaymentRefunded:     checkout.EventPaymentRefunded,
	checkout.EventPaymentReceivedLate: checkout.EventPaymentReceivedLate,
	checkout.EventPaymentOverpaid:     checkout.EventPaymentOverpaid,
	checkout.EventPaymentUnderpaid:    checkout.EventPaymentUnderpaid,
	checkout.EventRefundCreated:       checkout.EventRefundCreated,
	checkout.EventRefundSucceeded:     checkout.EventRefundSucceeded,
	checkout.EventRefundFailed:        checkout.EventRefundFailed,

	checkout.EventCouponCreated:        checkout.EventCouponCreated,
	checkout.EventCouponDeleted:        checkout.EventCouponDeleted,
	checkout.EventPromotionCodeCreated: checkout.EventPromotionCodeCreated,
	checkout.EventPromotionCodeUpdated: checkout.EventPromotionCodeUpdated,
	checkout.EventEndpointDisabled:     checkout.EventEndpointDisabled,
}

// V2EventType is the dialect's name of canonical event type t, and whether
// it has one.
func V2EventType(t string) (string, bool) {
	n, ok := v2EventTypes[t]
	return n, ok
}

// v2Event is an event as a v2 endpoint receives it: the canonical event
// (same id, instant, mode and sequence) with its fields named in the
// dialect's camelCase and its time in RFC 3339 only, like the dialect's
// objects.
type v2Event struct {
	ID        string        `json:"id"`
	Object    string        `json:"object"`
	Type      string        `json:"type"`
	CreatedAt string        `json:"createdAt"`
	Livemode  bool          `json:"livemode"`
	Sequence  int64         `json:"sequence"`
	Data      eventDataJSON `json:"data"`
}

// V2Events encodes an event for endpoints of format v2 (a
// service.EventEncoder). A session, product, invoice, payment link or
// device in data.object takes its /v2/… shape; what the dialect has no
// shape of (payments, refunds, coupons, endpoints) keeps the canonical one.
// Sessions' pages are served under PublicURL.
type V2Events struct {
	PublicURL string
}

// EncodeEvent implements service.EventEncoder.
func (e V2Events) EncodeEvent(ev *checkout.Event) ([]byte, error) {
	base := strings.TrimRight(e.PublicURL, "/")
	canon := renderEventAt(ev, base)
	out := &v2Event{ID: ev.ID, Object: "event", Type: ev.Type, CreatedAt: rfc3339(ev.Created), Livemode: ev.Livemode,
		Sequence: ev.Sequence, Data: canon.Data}
	// A type without a name here (the test on v2EventTypes keeps that from
	// happening) is sent under its canonical name rather than not at all.
	if n, ok := v2EventTypes[ev.Type]; ok {
		out.Type = n
	}
	// As in renderEventAt, a payment outranks the session or refund an
	// event also carries: payment.* events are about the payment.
	if ev.Payment == nil && ev.Endpoint == nil {
		switch {
		case ev.Session != nil:
			out.Data.Object = renderV2Session(ev.Session, base)
		case ev.Object != nil:
			switch o := ev.Object.(type) {
			case *checkout.Product:
				out.Data.Object = renderV2Product(o)
			case *checkout.Invoice:
				out.Data.Object = renderV2Invoice(o)
			case *checkout.PaymentLink:
				out.Data.Object = renderV2Link(o, base)
			case *checkout.Device:
				out.Data.Object = renderV2Device(o)
			}
		}
	}
	return json.Marshal(out)
}
