package stripe

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	stripeapi "github.com/stripe/stripe-go/v85"
)

// Metadata keys every PaymentIntent checkoutd makes carries, so that a
// payment can be found from Stripe's side (the Dashboard, a webhook) and a
// webhook about an intent checkoutd did not make is ignored.
const (
	MetaSession = "checkoutd_session"
	MetaPayment = "checkoutd_payment"
	MetaAccount = "checkoutd_account"
	// MetaRefund is on a Refund: the service's idempotency key of it,
	// "checkoutd_" + checkoutd's refund id, so that charge.refunded can
	// name the refund even when Stripe's answer to its creation was lost.
	MetaRefund = "checkoutd_refund"
)

// expand asks for what the result needs in the same call: the card's brand
// and last four digits are on the latest charge.
var expand = []*string{stripeapi.String("latest_charge"), stripeapi.String("payment_method")}

// Start implements checkout.Provider: it creates and confirms a
// PaymentIntent ("finalize payments on the server") for the payment's
// amount and currency, with the customer's ConfirmationToken or
// PaymentMethod, under the payment's idempotency key, so that a retry
// after a timeout is the same charge at Stripe. A decline, or any other
// definite refusal, is a failed result; an error means Stripe may have
// charged (no answer, 5xx, 409, 429), for the reconciler to find out.
func (p *Provider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
	if req.Payment.Method == checkout.MethodInStore {
		return p.startInStore(ctx, req)
	}
	if req.Card != nil {
		return checkout.ProviderResult{}, checkout.Invalid("card_number", "parameter_unknown", "card details are never taken for Stripe: the page's Payment Element tokenises them")
	}
	if err := p.CheckToken(req.Token); err != nil {
		return checkout.ProviderResult{}, err
	}
	if req.IdempotencyKey == "" {
		// Without it a retry could charge twice: refuse rather than risk it.
		return checkout.ProviderResult{}, errors.New("stripe: a payment intent is never created without an idempotency key")
	}
	pay := req.Payment
	amount, err := toStripe(pay.Amount, pay.Currency)
	if err != nil {
		return checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "amount_invalid", FailureMessage: err.Error()}, nil
	}
	params := &stripeapi.PaymentIntentCreateParams{
		Amount:   stripeapi.Int64(amount),
		Currency: stripeapi.String(pay.Currency.Lower()),
		Confirm:  stripeapi.Bool(true),
		// The payment is a card payment (checkoutd records it so): the
		// Payment Element is set up for cards only, and this keeps Stripe
		// from confirming anything else with a PaymentMethod id. It also
		// lets a pm_ confirm with a return_url, which automatic payment
		// methods refuse unless redirects are allowed.
		PaymentMethodTypes: []*string{stripeapi.String("card")},
		Metadata: map[string]string{
			MetaSession: pay.SessionID,
			MetaPayment: pay.ID,
			MetaAccount: pay.AccountID,
		},
		Expand: expand,
	}
	if req.ReturnURL != "" {
		params.ReturnURL = stripeapi.String(req.ReturnURL)
	}
	if strings.HasPrefix(req.Token, "ctoken_") {
		params.ConfirmationToken = stripeapi.String(req.Token)
	} else {
		params.PaymentMethod = stripeapi.String(req.Token)
	}
	if req.Session != nil && req.Session.Description != "" {
		params.Description = stripeapi.String(req.Session.Description)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	ctx, cancel := p.bound(ctx)
	defer cancel()
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return p.declineOrError(ctx, "creating a payment intent", err)
	}
	return p.settle(ctx, pi), nil
}

// settle maps pi to a result; a failed attempt left in
// requires_payment_method is canceled at Stripe first (abandon). Best
// effort for a card's: its intent can be confirmed again only with the
// client secret of a page whose payment checkoutd recorded failed.
func (p *Provider) settle(ctx context.Context, pi *stripeapi.PaymentIntent) checkout.ProviderResult {
	if pi.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod {
		_ = p.abandon(ctx, pi.ID)
	}
	return result(pi)
}

// abandon cancels intent id, which a decline or a failed 3-D Secure left
// in requires_payment_method: Stripe lets such an intent be confirmed
// again (with its client secret, or by a card presented at a reader), so
// a payment checkoutd recorded as failed could otherwise succeed later,
// unseen. It returns nil once the intent is canceled, also when it was
// already; an error when it may still take money (Stripe unreachable, or
// the intent in another state), for an in-store caller to leave the
// payment undecided rather than record it failed.
func (p *Provider) abandon(ctx context.Context, id string) error {
	if !strings.HasPrefix(id, "pi_") {
		return nil
	}
	_, err := p.client.V1PaymentIntents.Cancel(ctx, id, abandonParams(id))
	if err == nil {
		return nil
	}
	if refusal(err) == nil {
		return p.redact("canceling payment intent "+id, err)
	}
	// Refused: an intent canceled already is what was wanted; one in any
	// other state (it succeeded, it is processing) is not.
	pi, rerr := p.client.V1PaymentIntents.Retrieve(ctx, id, nil)
	if rerr != nil {
		return p.redact("retrieving payment intent "+id, rerr)
	}
	if pi.Status == stripeapi.PaymentIntentStatusCanceled {
		return nil
	}
	return errors.New("stripe: payment intent " + id + " could not be canceled: it is " + string(pi.Status))
}

// abandonParams are the parameters of a cancel of intent id, under a key
// of its own: Stripe replays a key's first answer for a day, so a retry
// under the same key would get a first refusal (an outage, a reader busy)
// again rather than be tried. Two cancels are safe without one: a cancel
// of a canceled intent is refused, and abandon and Cancel read that as
// done.
func abandonParams(id string) *stripeapi.PaymentIntentCancelParams {
	params := &stripeapi.PaymentIntentCancelParams{CancellationReason: stripeapi.String(string(stripeapi.PaymentIntentCancellationReasonAbandoned))}
	params.SetIdempotencyKey(cancelKey(id))
	return params
}

// cancelKey is a new idempotency key for one attempt to cancel what id
// names.
func cancelKey(id string) string { return "checkoutd_cancel_" + id + "_" + checkout.RandomString(16) }

// Confirm implements checkout.Provider. What the customer came back with
// (req.Params: Stripe's payment_intent and redirect_status query) is never
// believed: the intent is asked for.
func (p *Provider) Confirm(ctx context.Context, pay *checkout.Payment, _ checkout.ConfirmRequest) (checkout.ProviderResult, error) {
	return p.Poll(ctx, pay)
}

// Poll implements checkout.Poller: the payment's intent as Stripe has it now.
func (p *Provider) Poll(ctx context.Context, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if pay.ProviderRef == "" {
		return p.find(ctx, pay)
	}
	if !strings.HasPrefix(pay.ProviderRef, "pi_") {
		// Not an intent: the simulator's stand-in started it under the
		// name stripe (test mode, no money) before the tenant set keys,
		// and Stripe cannot be asked about it. The reconciler asks again
		// after any error, forever, so the answer that ends it is a
		// failure.
		return notPollable, nil
	}
	ctx, cancel := p.bound(ctx)
	defer cancel()
	params := &stripeapi.PaymentIntentRetrieveParams{Expand: expand}
	pi, err := p.client.V1PaymentIntents.Retrieve(ctx, pay.ProviderRef, params)
	if err != nil {
		return checkout.ProviderResult{}, p.redact("retrieving payment intent "+pay.ProviderRef, err)
	}
	return p.settleFor(ctx, pi, pay)
}

// settleFor maps pi, asked about for payment pay, to a result: an
// in-store intent's states mean other things (settleInStore).
func (p *Provider) settleFor(ctx context.Context, pi *stripeapi.PaymentIntent, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if isCardPresent(pi) {
		return p.settleInStore(ctx, pi, pay)
	}
	return p.settle(ctx, pi), nil
}

// processingError is the customer's message for a payment Stripe did not
// take, for a reason that is not theirs.
const processingError = "The payment could not be processed. Try again in a little while."

// notPollable is Poll's answer about a payment Stripe does not know.
var notPollable = checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "processing_error", FailureMessage: processingError}

// searchSettled is how long after a payment's creation an intent made for
// it must be found by search: Stripe's search results lag by about a
// minute at most, so none after this means Start never reached Stripe.
const searchSettled = 10 * time.Minute

// find looks for the intent of a payment whose Start got no answer (a
// timeout after Stripe may have charged): Stripe's search by the metadata
// Start sent. Search is eventually consistent (an intent may take a minute
// to appear), so finding none is an error, for the caller to ask again
// later, until the payment is searchSettled old: then no intent was made,
// and the payment failed.
func (p *Provider) find(ctx context.Context, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if !idRE.MatchString(pay.ID) {
		return checkout.ProviderResult{}, errors.New("stripe: the payment's id cannot be searched for")
	}
	ctx, cancel := p.bound(ctx)
	defer cancel()
	params := &stripeapi.PaymentIntentSearchParams{}
	params.Query = "metadata['" + MetaPayment + "']:'" + pay.ID + "'"
	// A search's expansions name the fields of its list's items.
	params.Expand = []*string{stripeapi.String("data.latest_charge"), stripeapi.String("data.payment_method")}
	for pi, err := range p.client.V1PaymentIntents.Search(ctx, params).All(ctx) {
		if err != nil {
			return checkout.ProviderResult{}, p.redact("searching the payment intent of "+pay.ID, err)
		}
		if pi.Metadata[MetaPayment] == pay.ID {
			return p.settleFor(ctx, pi, pay)
		}
	}
	if !pay.Created.IsZero() && p.clock.Now().Sub(pay.Created) >= searchSettled {
		return notPollable, nil
	}
	return checkout.ProviderResult{}, errors.New("stripe: no payment intent of " + pay.ID + " found (yet)")
}

// idRE is the shape of checkoutd's ids, which a search query may quote.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Refund implements checkout.Provider: a Refund of the payment's intent,
// under key, so a retried refund is the same refund at Stripe. Stripe's
// definite refusal (refusal: a disputed charge, an amount above what is
// left, a refused key) is a KindState error, for the service to fail the
// refund; any other error leaves it pending, to be retried with the same
// key.
func (p *Provider) Refund(ctx context.Context, pay *checkout.Payment, amount int64, key string) (checkout.RefundResult, error) {
	if key == "" {
		return checkout.RefundResult{}, errors.New("stripe: a refund is never created without an idempotency key")
	}
	if !strings.HasPrefix(pay.ProviderRef, "pi_") {
		// Nothing to send (a payment the simulator's stand-in made under
		// the name stripe): a refusal, else the refund stays pending
		// forever.
		return checkout.RefundResult{}, checkout.Errorf(checkout.KindState, "refund_refused", "the payment has no Stripe payment intent to refund")
	}
	sa, err := toStripe(amount, pay.Currency)
	if err != nil {
		return checkout.RefundResult{}, checkout.Invalid("amount", "amount_invalid", "%s", err.Error())
	}
	params := &stripeapi.RefundCreateParams{PaymentIntent: stripeapi.String(pay.ProviderRef), Amount: stripeapi.Int64(sa)}
	params.AddMetadata(MetaRefund, key)
	params.SetIdempotencyKey(key)
	ctx, cancel := p.bound(ctx)
	defer cancel()
	r, err := p.client.V1Refunds.Create(ctx, params)
	if se := refusal(err); se != nil {
		code := string(se.Code)
		if code == "" {
			code = "refund_refused"
		}
		return checkout.RefundResult{}, checkout.Errorf(checkout.KindState, code, "%s", p.scrub("Stripe refused the refund: "+se.Msg))
	}
	if err != nil {
		return checkout.RefundResult{}, p.redact("refunding payment intent "+pay.ProviderRef, err)
	}
	return refundResult(r, pay.Currency), nil
}

// result maps a PaymentIntent to checkoutd's neutral result.
func result(pi *stripeapi.PaymentIntent) checkout.ProviderResult {
	res := checkout.ProviderResult{ProviderRef: pi.ID}
	res.CardBrand, res.CardLast4 = card(pi)
	switch pi.Status {
	case stripeapi.PaymentIntentStatusSucceeded:
		res.Status = checkout.PaymentSucceeded
	case stripeapi.PaymentIntentStatusRequiresAction:
		// Stripe.js finishes the step on the page (handleNextAction)
		// with the intent's client secret, then the customer returns.
		res.Status = checkout.PaymentRequiresAction
		res.Action = &checkout.NextAction{Kind: checkout.NextActionClientSecret, ClientSecret: &checkout.ClientSecret{Secret: pi.ClientSecret}}
	case stripeapi.PaymentIntentStatusRequiresPaymentMethod:
		// After a confirmation this is a decline (or a failed 3-D Secure):
		// last_payment_error says why, in words Stripe writes for the
		// customer.
		res.Status = checkout.PaymentFailed
		res.FailureCode, res.FailureMessage = declineOf(pi.LastPaymentError)
	case stripeapi.PaymentIntentStatusCanceled:
		// A canceled intent is a failed attempt to checkoutd: the session
		// is released (or its async wait ends) and the customer may try
		// again with a new payment.
		res.Status = checkout.PaymentFailed
		res.FailureCode, res.FailureMessage = "payment_intent_canceled", "The payment was canceled."
		if pi.CancellationReason != "" {
			res.FailureCode = "canceled_" + string(pi.CancellationReason)
		}
	default:
		// processing, and the states a confirmed intent should not be in
		// (requires_confirmation, requires_capture): undecided, so the
		// reconciler asks again.
		res.Status = checkout.PaymentProcessing
	}
	return res
}

// declineOf is the failure code and message of a Stripe error: the
// issuer's decline_code when there is one (insufficient_funds), else the
// error's code (card_declined, expired_card, incorrect_cvc,
// payment_intent_authentication_failure), with Stripe's own message.
func declineOf(e *stripeapi.Error) (code, message string) {
	code, message = "card_declined", "Your card was declined."
	if e == nil {
		return code, message
	}
	switch {
	case e.DeclineCode != "":
		code = string(e.DeclineCode)
	case e.Code != "":
		code = string(e.Code)
	}
	if e.Msg != "" {
		message = e.Msg
	}
	return code, message
}

// card returns the brand and last four digits of the card that paid, from
// the latest charge, else from the payment method, when expanded: a card
// typed on the page, or one presented at a Terminal reader.
func card(pi *stripeapi.PaymentIntent) (brand, last4 string) {
	if ch := pi.LatestCharge; ch != nil && ch.PaymentMethodDetails != nil {
		if c := ch.PaymentMethodDetails.Card; c != nil && c.Last4 != "" {
			return string(c.Brand), c.Last4
		}
		if c := ch.PaymentMethodDetails.CardPresent; c != nil && c.Last4 != "" {
			return string(c.Brand), c.Last4
		}
	}
	if pm := pi.PaymentMethod; pm != nil && pm.Card != nil && pm.Card.Last4 != "" {
		return string(pm.Card.Brand), pm.Card.Last4
	}
	if pm := pi.PaymentMethod; pm != nil && pm.CardPresent != nil && pm.CardPresent.Last4 != "" {
		return pm.CardPresent.Brand, pm.CardPresent.Last4
	}
	return "", ""
}

// refundResult maps a Refund; requires_action (a refund to a method that
// needs the customer's details, never a card) is still pending.
func refundResult(r *stripeapi.Refund, c checkout.Currency) checkout.RefundResult {
	out := checkout.RefundResult{ProviderRef: r.ID, Amount: fromStripe(r.Amount, c)}
	if key, ok := strings.CutPrefix(r.Metadata[MetaRefund], "checkoutd_"); ok {
		out.RefundID = key
	}
	switch r.Status {
	case stripeapi.RefundStatusSucceeded:
		out.Status = checkout.RefundSucceeded
	case stripeapi.RefundStatusFailed, stripeapi.RefundStatusCanceled:
		out.Status = checkout.RefundFailed
		out.FailureCode = string(r.FailureReason)
		if out.FailureCode == "" {
			out.FailureCode = "refund_" + string(r.Status)
		}
		out.FailureMessage = "The refund " + string(r.Status) + " at Stripe."
	default:
		out.Status = checkout.RefundPending
	}
	return out
}

// declineOrError turns a card error (Stripe's 402 for a declined card)
// into a failed result, and so the refusals of what the customer gave (a
// token Stripe does not know, one used or expired) and of the amount:
// trying again with the same input cannot succeed. Any other definite
// refusal (refusal: a revoked or restricted key, a bad parameter) charged
// nothing either: a failed processing_error. What may have charged
// (network, 5xx, 409, 429) is an error, leaving the payment to the
// reconciler.
func (p *Provider) declineOrError(ctx context.Context, op string, err error) (checkout.ProviderResult, error) {
	se := refusal(err)
	if se == nil {
		return checkout.ProviderResult{}, p.redact(op, err)
	}
	res := checkout.ProviderResult{Status: checkout.PaymentFailed}
	if se.PaymentIntent != nil {
		res.ProviderRef = se.PaymentIntent.ID
	}
	switch {
	case se.Type == stripeapi.ErrorTypeCard:
		res.FailureCode, res.FailureMessage = declineOf(se)
		if se.PaymentIntent != nil && se.PaymentIntent.Status == stripeapi.PaymentIntentStatusRequiresPaymentMethod {
			_ = p.abandon(ctx, se.PaymentIntent.ID) // best effort, as settle's
		}
	case se.Type == stripeapi.ErrorTypeInvalidRequest && (se.Param == "payment_method" || se.Param == "confirmation_token"):
		// Stripe's message names the id; the customer needs another try.
		res.FailureCode = "payment_token_invalid"
		if se.Code != "" {
			res.FailureCode = string(se.Code)
		}
		res.FailureMessage = "The card details could not be used. Please enter them again."
	case se.Type == stripeapi.ErrorTypeInvalidRequest && se.Param == "amount":
		res.FailureCode = "amount_invalid"
		if se.Code != "" {
			res.FailureCode = string(se.Code)
		}
		res.FailureMessage = "This amount cannot be paid by card."
	default:
		res.FailureCode, res.FailureMessage = "processing_error", processingError
		// Not the customer's doing: the operator must learn why.
		res.Detail = p.redact(op, err).Error()
	}
	return res, nil
}
