package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	stripeapi "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// Tolerance is how old a signed webhook may be: Stripe's own default, so a
// captured request cannot be replayed later.
const Tolerance = 300 * time.Second

// Events are the webhook events the provider reads; a tenant enables them
// on its endpoint at Stripe. Every other type is acknowledged and ignored.
// The refund updates settle a refund Stripe left pending (charge.refunded
// is sent when a refund is created, not when it later succeeds or fails):
// charge.refund.updated and refund.updated say so for every change,
// refund.failed for a failure.
// terminal.reader.action_failed says a reader gave up on the intent it was
// handed (the customer canceled at the reader, it timed out, a card was
// refused) when no payment_intent event does.
var Events = []string{"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "charge.refunded",
	"charge.refund.updated", "refund.updated", "refund.failed", "terminal.reader.action_failed"}

// HandleNotification implements checkout.Notified for Stripe's webhooks
// (POST /providers/stripe/{account}/webhooks). The Stripe-Signature header
// is verified with the tenant's signing secret (whsec_…) within Tolerance
// before anything in the body is read; KindUnauthorized otherwise.
func (p *Provider) HandleNotification(ctx context.Context, in checkout.Inbound) ([]checkout.Notification, error) {
	if p.webhookSecret == "" {
		return nil, checkout.Errorf(checkout.KindUnauthorized, "webhook_secret_missing",
			"this account has no Stripe webhook signing secret (webhook_secret), so no Stripe webhook can be verified")
	}
	// The event's api_version is the tenant's endpoint's at Stripe, which
	// may be another release train than the one stripe-go pins. The fields
	// read here (ids, type, status, metadata, last_payment_error,
	// payment_intent) are the same in every version, and refunds are
	// fetched through the API at the pinned version, so a mismatch is no
	// reason to refuse a message Stripe signed.
	evt, err := webhook.ConstructEventWithOptions(in.Body, http.Header(in.Header).Get("Stripe-Signature"), p.webhookSecret,
		webhook.ConstructEventOptions{Tolerance: Tolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		return nil, checkout.Errorf(checkout.KindUnauthorized, "signature_invalid", "the Stripe webhook is not verified: %s", signatureProblem(err))
	}
	if evt.Livemode != p.livemode || evt.Data == nil {
		// Stripe signs each mode's endpoint with its own secret; an
		// event of the other mode is not about this mode's payments.
		return nil, nil
	}
	ctx, cancel := p.bound(ctx)
	defer cancel()
	switch evt.Type {
	case "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled":
		var pi stripeapi.PaymentIntent
		if err := json.Unmarshal(evt.Data.Raw, &pi); err != nil || pi.ID == "" {
			return nil, checkout.Errorf(checkout.KindInvalid, "event_unreadable", "the Stripe event %s holds no payment intent", evt.ID)
		}
		if !p.ours(pi.Metadata) {
			return nil, nil
		}
		res := result(&pi)
		if isCardPresent(&pi) {
			// A card refused at the counter leaves the intent open for
			// another card: checkoutd records the attempt failed, so the
			// intent is canceled, never to succeed unseen.
			// Until the cancel takes, the payment is left undecided (the
			// reconciler asks, and cancels it then).
			res = inStoreResult(&pi)
			if pi.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod && p.abandon(ctx, pi.ID) != nil {
				res = undecided(pi.ID)
			}
			if res.Status == checkout.PaymentSucceeded && res.CardLast4 == "" {
				// An event's intent names its latest charge by id only, and
				// the card presented is on that charge: the intent is asked
				// for with it expanded, as readerFailed does. The success
				// stands without the card if Stripe cannot say now.
				if full, err := p.client.V1PaymentIntents.Retrieve(ctx, pi.ID, &stripeapi.PaymentIntentRetrieveParams{Expand: expand}); err == nil {
					res.CardBrand, res.CardLast4 = card(full)
				}
			}
		}
		return []checkout.Notification{{ProviderRef: pi.ID, PaymentID: pi.Metadata[MetaPayment], EventID: evt.ID, Result: res}}, nil
	case "terminal.reader.action_failed":
		var r stripeapi.TerminalReader
		if err := json.Unmarshal(evt.Data.Raw, &r); err != nil || r.ID == "" {
			return nil, checkout.Errorf(checkout.KindInvalid, "event_unreadable", "the Stripe event %s holds no reader", evt.ID)
		}
		return p.readerFailed(ctx, evt.ID, &r)
	case "charge.refunded":
		var ch stripeapi.Charge
		if err := json.Unmarshal(evt.Data.Raw, &ch); err != nil || ch.ID == "" {
			return nil, checkout.Errorf(checkout.KindInvalid, "event_unreadable", "the Stripe event %s holds no charge", evt.ID)
		}
		return p.refunded(ctx, evt.ID, ch.PaymentIntent, ch.Currency)
	case "charge.refund.updated", "refund.updated", "refund.failed":
		var r stripeapi.Refund
		if err := json.Unmarshal(evt.Data.Raw, &r); err != nil || r.ID == "" {
			return nil, checkout.Errorf(checkout.KindInvalid, "event_unreadable", "the Stripe event %s holds no refund", evt.ID)
		}
		return p.refunded(ctx, evt.ID, r.PaymentIntent, r.Currency)
	}
	return nil, nil
}

// readerFailed is the notification of a reader's failed hand-off: the
// intent it was processing, asked for (the event carries only its id, and
// the intent says whether it is checkoutd's), is called off when it still
// waits (canceled, so that it cannot be taken later) and the payment fails
// with the reader's reason; an intent that reached another state (a
// success, a decline) is recorded as it is.
func (p *Provider) readerFailed(ctx context.Context, eventID string, r *stripeapi.TerminalReader) ([]checkout.Notification, error) {
	a := r.Action
	if a == nil || a.ProcessPaymentIntent == nil || a.ProcessPaymentIntent.PaymentIntent == nil || a.ProcessPaymentIntent.PaymentIntent.ID == "" {
		return nil, nil // another action (a display, a refund): not a payment's
	}
	id := a.ProcessPaymentIntent.PaymentIntent.ID
	pi, err := p.client.V1PaymentIntents.Retrieve(ctx, id, &stripeapi.PaymentIntentRetrieveParams{Expand: expand})
	if err != nil {
		return nil, p.redact("retrieving payment intent "+id, err)
	}
	if !p.ours(pi.Metadata) || !isCardPresent(pi) {
		return nil, nil
	}
	res := inStoreResult(pi)
	if pi.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod {
		if p.abandon(ctx, pi.ID) != nil {
			// Not canceled: it could still take a card, so its failure is
			// not recorded; the reconciler asks again and cancels it.
			return []checkout.Notification{{ProviderRef: pi.ID, PaymentID: pi.Metadata[MetaPayment], EventID: eventID, Result: undecided(pi.ID)}}, nil
		}
		if pi.LastPaymentError == nil {
			res = checkout.ProviderResult{Status: checkout.PaymentFailed, ProviderRef: pi.ID, FailureCode: "terminal_reader_failed",
				FailureMessage: "The card reader did not take the payment."}
			if code := readerCodeRE.FindString(a.FailureCode); code != "" {
				res.FailureCode = code
			}
		}
	}
	return []checkout.Notification{{ProviderRef: pi.ID, PaymentID: pi.Metadata[MetaPayment], EventID: eventID, Result: res}}, nil
}

// readerCodeRE is what of a reader's failure code is kept: a code, never
// free text.
var readerCodeRE = regexp.MustCompile(`^[a-z_]{1,60}$`)

// refunded is the notification of a refund event about intent pi: the
// intent's refunds as Stripe has them now, whichever refund the event
// names, so that a pending refund settles from any later event.
func (p *Provider) refunded(ctx context.Context, eventID string, of *stripeapi.PaymentIntent, cur stripeapi.Currency) ([]checkout.Notification, error) {
	if of == nil || of.ID == "" {
		return nil, nil // a charge made without an intent is not checkoutd's
	}
	// A charge or refund does not carry its intent's metadata: the intent
	// says whether checkoutd made it, and for which payment. The tenant's
	// other refunds are acknowledged and ignored, so Stripe does not retry
	// them for days.
	pi, err := p.client.V1PaymentIntents.Retrieve(ctx, of.ID, nil)
	if err != nil {
		return nil, p.redact("retrieving payment intent "+of.ID, err)
	}
	if !p.ours(pi.Metadata) {
		return nil, nil
	}
	refunds, err := p.refundsOf(ctx, pi.ID, checkout.Currency(strings.ToUpper(string(cur))))
	if err != nil {
		return nil, err
	}
	return []checkout.Notification{{ProviderRef: pi.ID, PaymentID: pi.Metadata[MetaPayment], EventID: eventID, Refunds: refunds}}, nil
}

// ours reports whether an intent with metadata md was made by checkoutd
// for this account: the tenant's Stripe account may take other payments
// too, which are none of checkoutd's business.
func (p *Provider) ours(md map[string]string) bool {
	return md[MetaPayment] != "" && (md[MetaAccount] == "" || md[MetaAccount] == p.accountID)
}

// refundsOf lists the refunds of intent pi through the API: charge.refunded
// carries the charge, whose refunds list recent API versions no longer
// include, and the list is the current truth rather than the event's.
func (p *Provider) refundsOf(ctx context.Context, pi string, c checkout.Currency) ([]checkout.RefundResult, error) {
	params := &stripeapi.RefundListParams{PaymentIntent: stripeapi.String(pi)}
	params.Limit = stripeapi.Int64(100)
	var out []checkout.RefundResult
	for r, err := range p.client.V1Refunds.List(ctx, params).All(ctx) {
		if err != nil {
			return nil, p.redact("listing the refunds of "+pi, err)
		}
		out = append(out, refundResult(r, c))
	}
	return out, nil
}

// signatureProblem words why a signature failed, from stripe-go's
// sentinel errors; never the header or the secret.
func signatureProblem(err error) string {
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return "it has no Stripe-Signature header"
	case errors.Is(err, webhook.ErrInvalidHeader):
		return "its Stripe-Signature header is malformed"
	case errors.Is(err, webhook.ErrTooOld):
		return "its timestamp is more than 300 seconds old"
	case errors.Is(err, webhook.ErrNoValidSignature):
		return "no signature matches this account's signing secret"
	}
	return "its body is not a Stripe event"
}
