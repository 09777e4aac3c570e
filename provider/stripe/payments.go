package stripe

import (
	"context"
	"errors"
	"regexp"
	"strings"

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
// after a timeout is the same charge at Stripe. A decline is a failed
// result; an error means Stripe could not be asked (or answered 5xx).
func (p *Provider) Start(ctx context.Context, req checkout.StartRequest) (checkout.ProviderResult, error) {
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
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return p.declineOrError("creating a payment intent", err)
	}
	return result(pi), nil
}

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
		return checkout.ProviderResult{}, errors.New("stripe: the payment's reference is not a payment intent")
	}
	params := &stripeapi.PaymentIntentRetrieveParams{Expand: expand}
	pi, err := p.client.V1PaymentIntents.Retrieve(ctx, pay.ProviderRef, params)
	if err != nil {
		return checkout.ProviderResult{}, p.redact("retrieving payment intent "+pay.ProviderRef, err)
	}
	return result(pi), nil
}

// find looks for the intent of a payment whose Start got no answer (a
// timeout after Stripe may have charged): Stripe's search by the metadata
// Start sent. Search is eventually consistent (an intent may take a minute
// to appear), so finding none is an error, for the caller to ask again
// later, never a failure.
func (p *Provider) find(ctx context.Context, pay *checkout.Payment) (checkout.ProviderResult, error) {
	if !idRE.MatchString(pay.ID) {
		return checkout.ProviderResult{}, errors.New("stripe: the payment's id cannot be searched for")
	}
	params := &stripeapi.PaymentIntentSearchParams{}
	params.Query = "metadata['" + MetaPayment + "']:'" + pay.ID + "'"
	params.Expand = expand
	for pi, err := range p.client.V1PaymentIntents.Search(ctx, params).All(ctx) {
		if err != nil {
			return checkout.ProviderResult{}, p.redact("searching the payment intent of "+pay.ID, err)
		}
		if pi.Metadata[MetaPayment] == pay.ID {
			return result(pi), nil
		}
	}
	return checkout.ProviderResult{}, errors.New("stripe: no payment intent of " + pay.ID + " found (yet)")
}

// idRE is the shape of checkoutd's ids, which a search query may quote.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Refund implements checkout.Provider: a Refund of the payment's intent,
// under key, so a retried refund is the same refund at Stripe.
func (p *Provider) Refund(ctx context.Context, pay *checkout.Payment, amount int64, key string) (checkout.RefundResult, error) {
	if key == "" {
		return checkout.RefundResult{}, errors.New("stripe: a refund is never created without an idempotency key")
	}
	if !strings.HasPrefix(pay.ProviderRef, "pi_") {
		return checkout.RefundResult{}, errors.New("stripe: the payment has no payment intent to refund")
	}
	sa, err := toStripe(amount, pay.Currency)
	if err != nil {
		return checkout.RefundResult{}, checkout.Invalid("amount", "amount_invalid", "%s", err.Error())
	}
	params := &stripeapi.RefundCreateParams{PaymentIntent: stripeapi.String(pay.ProviderRef), Amount: stripeapi.Int64(sa)}
	params.AddMetadata(MetaRefund, key)
	params.SetIdempotencyKey(key)
	r, err := p.client.V1Refunds.Create(ctx, params)
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
// the latest charge, else from the payment method, when expanded.
func card(pi *stripeapi.PaymentIntent) (brand, last4 string) {
	if ch := pi.LatestCharge; ch != nil && ch.PaymentMethodDetails != nil && ch.PaymentMethodDetails.Card != nil {
		c := ch.PaymentMethodDetails.Card
		if c.Last4 != "" {
			return string(c.Brand), c.Last4
		}
	}
	if pm := pi.PaymentMethod; pm != nil && pm.Card != nil && pm.Card.Last4 != "" {
		return string(pm.Card.Brand), pm.Card.Last4
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
// trying again with the same input cannot succeed. Anything else (network,
// 5xx, a refused key) is an error the service records as processing_error.
func (p *Provider) declineOrError(op string, err error) (checkout.ProviderResult, error) {
	var se *stripeapi.Error
	if !errors.As(err, &se) {
		return checkout.ProviderResult{}, p.redact(op, err)
	}
	res := checkout.ProviderResult{Status: checkout.PaymentFailed}
	if se.PaymentIntent != nil {
		res.ProviderRef = se.PaymentIntent.ID
	}
	switch {
	case se.Type == stripeapi.ErrorTypeCard:
		res.FailureCode, res.FailureMessage = declineOf(se)
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
		return checkout.ProviderResult{}, p.redact(op, err)
	}
	return res, nil
}
