package stripe

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	stripeapi "github.com/stripe/stripe-go/v85"
)

// In-store payments through Stripe Terminal, server-driven
// (https://docs.stripe.com/terminal/payments/collect-card-payment, the
// server-driven integration): checkoutd creates a card_present
// PaymentIntent, and when the session's device is a Stripe reader asks
// Stripe to process it there (POST /v1/terminal/readers/{id}/process_payment_intent).
// A device that is a companion app instead gets the intent's client secret
// and collects the card with Stripe Terminal's own SDK. Either way the
// outcome is the intent's, as Stripe's webhooks or a retrieval tell it:
// never a device's word.

// cardPresent is the payment method type of a Terminal payment.
const cardPresent = "card_present"

// readerRE is the shape of a Stripe Terminal reader id.
var readerRE = regexp.MustCompile(`^tmr_[A-Za-z0-9]{1,250}$`)

// ReaderIDValid reports whether id has the shape of a Stripe Terminal
// reader id (tmr_…), with no network.
func ReaderIDValid(id string) bool { return readerRE.MatchString(id) }

// startInStore creates the card_present intent of an in_store payment,
// under the payment's idempotency key, with the metadata every intent of
// checkoutd's carries (so its webhooks find the payment), and hands it to
// the session's reader when its device is one (under a key derived from
// the payment's, so a retry is the same hand-off). The payment then waits
// on the device (a device hand-off); its deadline is the service's.
func (p *Provider) startInStore(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	if req.Card != nil || req.Token != "" {
		return checkout.ProviderResult{}, checkout.Invalid("payment_token", "parameter_unexpected", "an in-store payment takes its card at the counter, not from the page")
	}
	if req.IdempotencyKey == "" {
		return checkout.ProviderResult{}, errors.New("stripe: a payment intent is never created without an idempotency key")
	}
	if req.Session == nil || req.Session.CompanionDevice == "" {
		return checkout.ProviderResult{}, checkout.Invalid("companion_device", "parameter_missing", "an in-store payment needs the session's companion device")
	}
	if req.Reader != "" && !ReaderIDValid(req.Reader) {
		return checkout.ProviderResult{}, checkout.Invalid("companion_device", "reader_invalid", "the device's reader is not a Stripe Terminal reader id (tmr_…)")
	}
	pay := req.Payment
	amount, err := toStripe(pay.Amount, pay.Currency)
	if err != nil {
		return checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "amount_invalid", FailureMessage: err.Error()}, nil
	}
	params := &stripeapi.PaymentIntentCreateParams{
		Amount:             stripeapi.Int64(amount),
		Currency:           stripeapi.String(pay.Currency.Lower()),
		PaymentMethodTypes: []*string{stripeapi.String(cardPresent)},
		// Captured as soon as the card is approved: checkoutd has no
		// separate capture step, and an uncaptured Terminal payment is
		// released by Stripe after a day.
		CaptureMethod: stripeapi.String(string(stripeapi.PaymentIntentCaptureMethodAutomatic)),
		Metadata: map[string]string{
			MetaSession: pay.SessionID,
			MetaPayment: pay.ID,
			MetaAccount: pay.AccountID,
		},
	}
	if req.Session.Description != "" {
		params.Description = stripeapi.String(req.Session.Description)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	ctx, cancel := p.bound(ctx)
	defer cancel()
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return p.declineOrError(ctx, "creating a card-present payment intent", err)
	}
	handoff := &checkout.DeviceHandoff{DeviceID: req.Session.CompanionDevice}
	if req.Reader == "" {
		// A companion app collects the card with Stripe Terminal's SDK,
		// which takes the intent's client secret.
		handoff.ClientSecret = pi.ClientSecret
	} else {
		handoff.ReaderID = req.Reader
		rp := &stripeapi.TerminalReaderProcessPaymentIntentParams{PaymentIntent: stripeapi.String(pi.ID)}
		rp.SetIdempotencyKey(ReaderKey(req.IdempotencyKey))
		if _, err := p.client.V1TerminalReaders.ProcessPaymentIntent(ctx, req.Reader, rp); err != nil {
			se := refusal(err)
			if se == nil {
				// The reader may have taken it (no answer): the payment is
				// left for the reconciler, which asks about the intent.
				return checkout.ProviderResult{}, p.redact("handing payment intent "+pi.ID+" to reader "+req.Reader, err)
			}
			// Stripe refused the hand-off (the reader is offline, busy
			// or unknown): nothing was shown to the customer, and the
			// intent is canceled so that it can never be taken later.
			// Until it is, the payment is undecided: the reconciler asks
			// about the intent, and cancels it then (settleInStore).
			if err := p.abandon(ctx, pi.ID); err != nil {
				// Undecided with the intent's id, so the reconciler asks
				// about it by id (and cancels it) rather than searching.
				res := undecided(pi.ID)
				res.Detail = err.Error()
				return res, nil
			}
			code := string(se.Code)
			if code == "" {
				code = "terminal_reader_unavailable"
			}
			return checkout.ProviderResult{Status: checkout.PaymentFailed, ProviderRef: pi.ID, FailureCode: code,
				FailureMessage: "The card reader could not take the payment. Try again, or pay another way.",
				Detail:         p.redact("handing payment intent "+pi.ID+" to reader "+req.Reader, err).Error()}, nil
		}
	}
	return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: pi.ID,
		Action: &checkout.NextAction{Kind: checkout.NextActionDevice, Device: handoff}}, nil
}

// ReaderKey is the idempotency key of the hand-off of a payment to its
// reader, derived from the payment's own key: a retry is the same
// hand-off, and the two calls never share a key (Stripe refuses a key
// reused with other parameters).
func ReaderKey(paymentKey string) string { return paymentKey + "_reader" }

// isCardPresent reports whether pi is an in-store (Terminal) intent.
func isCardPresent(pi *stripeapi.PaymentIntent) bool {
	return slices.Contains(pi.PaymentMethodTypes, cardPresent)
}

// settleInStore maps a card_present intent, asked about for payment pay,
// to a result. Such an intent waits in requires_payment_method until a
// card is presented, so that state is a wait, not a decline, unless a
// presented card failed (last_payment_error): then it is a decline and the
// intent is canceled, as settle does for a card's. A wait keeps the
// payment's device hand-off (and its deadline) as it is. An intent left
// waiting by a Start that got no answer never reached a device that
// checkoutd knows of: it is canceled, and the payment failed. A failure is
// answered only once the intent is canceled: until then it could still
// take a card, so a cancel that fails is an error, and the payment stays
// undecided for the reconciler.
func (p *Provider) settleInStore(ctx context.Context, pi *stripeapi.PaymentIntent, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if pi.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod && pi.LastPaymentError == nil {
		if pay.Status == checkout.PaymentRequiresAction && pay.Action.DeviceID() != "" {
			return checkout.ProviderResult{Status: checkout.PaymentRequiresAction, ProviderRef: pi.ID, Action: pay.Action.Clone()}, nil
		}
		if err := p.abandon(ctx, pi.ID); err != nil {
			return checkout.ProviderResult{}, err
		}
		return checkout.ProviderResult{Status: checkout.PaymentFailed, ProviderRef: pi.ID, FailureCode: "processing_error", FailureMessage: processingError}, nil
	}
	if pi.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod {
		if err := p.abandon(ctx, pi.ID); err != nil {
			return checkout.ProviderResult{}, err
		}
	}
	return inStoreResult(pi), nil
}

// undecided is the result of in-store intent id whose failure cannot be
// recorded yet, its cancel having failed: the reconciler asks again.
func undecided(id string) checkout.ProviderResult {
	return checkout.ProviderResult{Status: checkout.PaymentProcessing, ProviderRef: id}
}

// inStoreResult maps a card_present intent: as result does, except that
// no state of it is a step for the customer's browser (there is no client
// secret action at a counter), so what is neither final nor a decline is
// undecided.
func inStoreResult(pi *stripeapi.PaymentIntent) checkout.ProviderResult {
	res := result(pi)
	if res.Status == checkout.PaymentRequiresAction {
		res.Status, res.Action = checkout.PaymentProcessing, nil
	}
	return res
}

// Cancel implements checkout.Canceler for an in-store payment: the
// reader's action is canceled (it stops showing the amount) and the
// intent is canceled, so that no card presented later can pay it. An
// intent Stripe will not cancel (it succeeded, or is processing, in the
// meantime) is answered as it is now, for the service to record.
func (p *Provider) Cancel(ctx context.Context, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if !strings.HasPrefix(pay.ProviderRef, "pi_") {
		// Nothing at Stripe (a stand-in's payment): nothing can pay it.
		return checkout.ProviderResult{Status: checkout.PaymentCanceled}, nil
	}
	ctx, cancel := p.bound(ctx)
	defer cancel()
	if pay.Action != nil && pay.Action.Device != nil && pay.Action.Device.ReaderID != "" {
		// Best effort: a reader already idle, or on another payment,
		// refuses, and the intent's cancel below is what makes sure no
		// money moves.
		cp := &stripeapi.TerminalReaderCancelActionParams{}
		cp.SetIdempotencyKey(cancelKey(pay.ID + "_reader"))
		_, _ = p.client.V1TerminalReaders.CancelAction(ctx, pay.Action.Device.ReaderID, cp)
	}
	pi, err := p.client.V1PaymentIntents.Cancel(ctx, pay.ProviderRef, abandonParams(pay.ProviderRef))
	if err == nil {
		return inStoreResult(pi), nil
	}
	if refusal(err) == nil {
		return checkout.ProviderResult{}, p.redact("canceling payment intent "+pay.ProviderRef, err)
	}
	// Refused: the intent is in a state that cannot be canceled. It is
	// asked what that state is.
	pi, err = p.client.V1PaymentIntents.Retrieve(ctx, pay.ProviderRef, &stripeapi.PaymentIntentRetrieveParams{Expand: expand})
	if err != nil {
		return checkout.ProviderResult{}, p.redact("retrieving payment intent "+pay.ProviderRef, err)
	}
	if pi.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod {
		// Still waiting (after a declined card too), yet not canceled: it
		// could still take a card.
		return checkout.ProviderResult{}, errors.New("stripe: payment intent " + pi.ID + " could not be canceled")
	}
	return inStoreResult(pi), nil
}

// CheckReader implements checkout.ReaderChecker: the reader is retrieved
// from the tenant's Stripe account (GET /v1/terminal/readers/{id}).
func (p *Provider) CheckReader(ctx context.Context, id string) error {
	if !ReaderIDValid(id) {
		return checkout.Invalid("reader", "reader_invalid", "a Stripe Terminal reader id starts with tmr_")
	}
	ctx, cancel := p.bound(ctx)
	defer cancel()
	r, err := p.client.V1TerminalReaders.Retrieve(ctx, id, nil)
	if se := refusal(err); se != nil {
		if se.HTTPStatusCode == 404 || se.Code == stripeapi.ErrorCodeResourceMissing {
			return checkout.Invalid("reader", "reader_unknown", "this account's Stripe has no Terminal reader '%s' in %s mode", id, modeWord(p.livemode))
		}
		return checkout.Errorf(checkout.KindState, "provider_unavailable", "%s", p.scrub("Stripe refused to show the reader: "+se.Msg))
	}
	if err != nil {
		return p.redact("retrieving reader "+id, err)
	}
	if r.Deleted {
		return checkout.Invalid("reader", "reader_unknown", "the Stripe Terminal reader '%s' was deleted", id)
	}
	return nil
}

func modeWord(livemode bool) string {
	if livemode {
		return "live"
	}
	return "test"
}
