package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// eventTransitions names the transition behind each session event, for metrics.
var eventTransitions = map[string]checkout.Transition{
	checkout.EventSessionCompleted:      checkout.TransitionPay,
	checkout.EventAsyncPaymentSucceeded: checkout.TransitionAsyncSucceeded,
	checkout.EventAsyncPaymentFailed:    checkout.TransitionAsyncFailed,
}

// DefaultMaxFailedAttempts is how many declined card attempts a session takes
// before it refuses cards (card-testing protection).
const DefaultMaxFailedAttempts = 5

// PayParams is a customer's payment attempt from the hosted page (or a
// dialect's pay call). At most one of Card and Token is set, as the
// provider's page description asks (checkout.PageSpec): Card, for the
// simulator only, is never stored; Token comes from a provider's browser SDK.
type PayParams struct {
	Method checkout.Method
	Card   *checkout.Card
	Token  string
	Email  string
	// Stablecoin is the token and chain the customer selected, for
	// checkout.MethodStablecoin.
	Stablecoin checkout.TokenChain
	// Collected is what the page asked for beyond the payment; it is
	// recorded on the session with the attempt's claim.
	Collected Collected
}

// accessedAtResolution is how stale accessed_at may be.
const accessedAtResolution = time.Minute

// OpenSession returns the session a customer opens at now, for the hosted
// page, with its account, and records accessed_at (to the minute). Recording is best effort:
// losing a race with a payment must not stop the page from showing.
func (s *Service) OpenSession(ctx context.Context, id string) (*checkout.Session, *checkout.Account, error) {
	sess, err := s.store.FindSession(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return s.open(ctx, sess)
}

// OpenSessionByToken is OpenSession for a page whose URL carries the
// session's public token (seed 002's /p/{publicToken}); any other token is
// not found, the session's id included.
func (s *Service) OpenSessionByToken(ctx context.Context, token string) (*checkout.Session, *checkout.Account, error) {
	sess, err := s.findByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	return s.open(ctx, sess)
}

// open is what opening sess's page does: it records the visit.
func (s *Service) open(ctx context.Context, sess *checkout.Session) (*checkout.Session, *checkout.Account, error) {
	acct, err := s.store.GetAccount(ctx, sess.AccountID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	// accessed_at is refreshed at most once a minute, so that reloads and
	// page views do not each cost a write.
	if sess.StatusAt(now) == checkout.SessionOpen && now.Sub(sess.AccessedAt) >= accessedAtResolution {
		touched := sess.Clone()
		touched.AccessedAt, touched.Updated = now, now
		touched.Version++
		if err := s.store.Commit(ctx, checkout.Change{Session: touched}); err == nil {
			sess = touched
		} else if !checkout.IsKind(err, checkout.KindConflict) {
			return nil, nil, err
		}
	}
	return sess.Observed(now), acct, nil
}

// providerOf returns the provider that holds payment p: the one it
// recorded, for its account and mode. A payment never goes to another
// provider that serves the same method.
func (s *Service) providerOf(ctx context.Context, p *checkout.Payment) (checkout.Provider, error) {
	acct, err := s.account(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	return s.providerNamed(ctx, acct, p.Livemode, p.Provider)
}

// MethodPage is what the hosted page offers for one of a session's methods.
type MethodPage struct {
	Method checkout.Method
	// Spec is the serving provider's description of the method's inputs,
	// scripts and CSP sources; the zero PageSpec when Available is false.
	Spec checkout.PageSpec
	// Available is false when no provider serves the method in the
	// session's mode (paying with it fails with provider_unavailable).
	Available bool
}

// MethodPages describes each of sess's methods (in its order) as the
// providers that would take them describe them.
func (s *Service) MethodPages(ctx context.Context, sess *checkout.Session, acct *checkout.Account) []MethodPage {
	out := make([]MethodPage, 0, len(sess.PaymentMethodTypes))
	// The settings are read once for every method; if they cannot be read,
	// no method is offered rather than one through the wrong provider.
	ps, err := s.providerSettings(ctx, checkout.Scope{AccountID: acct.ID, Livemode: sess.Livemode})
	for _, name := range sess.PaymentMethodTypes {
		m := checkout.Method(name)
		mp := MethodPage{Method: m}
		if err != nil {
			out = append(out, mp)
			continue
		}
		if prov, err := s.providerIn(ps, acct, sess.Livemode, sess.Provider, m); err == nil {
			mp.Spec, mp.Available = prov.Page(m), true
		}
		out = append(out, mp)
	}
	return out
}

// takes checks that what the customer gave for a payment is what the
// provider's page description asks for: card details reach only a provider
// that shows card inputs (the simulator), a token only one that makes them.
func takes(spec checkout.PageSpec, pp PayParams) error {
	switch {
	case pp.Card != nil && !slices.Contains(spec.Fields, checkout.FieldCardNumber):
		return checkout.Invalid("card_number", "parameter_unknown", "card details are not taken for '%s' here", pp.Method)
	case pp.Token != "" && !slices.Contains(spec.Fields, checkout.FieldToken) && !spec.APITokens:
		return checkout.Invalid("payment_token", "parameter_unknown", "a payment token is not taken for '%s' here", pp.Method)
	case pp.Token == "" && pp.Card == nil && slices.Contains(spec.Fields, checkout.FieldToken):
		return checkout.Invalid("payment_token", "parameter_missing", "a payment token is required")
	}
	return nil
}

// InputProblems is every problem of what the customer typed for a payment
// (the card's number, expiry and CVC, the email, and what the session
// collects: see collect), at most one per field, so that a form can show
// them all at once; Pay refuses with the first.
func (s *Service) InputProblems(sess *checkout.Session, pp PayParams) []*checkout.Error {
	var out []*checkout.Error
	if pp.Email != "" {
		if err := checkEmail(pp.Email); err != nil {
			out = append(out, err.(*checkout.Error))
		} else if sess.CustomerEmailLocked && !strings.EqualFold(pp.Email, sess.CustomerEmail) {
			// The merchant's email is locked: another address is refused,
			// not ignored, so a caller learns that it was not taken. The
			// same address in another case is the same mailbox in practice.
			out = append(out, checkout.Invalid("customer_email", "email_locked", "the merchant set this checkout session's email address; it cannot be changed"))
		}
	}
	if pp.Card != nil {
		out = append(out, pp.Card.Problems(s.now())...)
	}
	_, collected := collect(sess, pp.Collected)
	return append(out, collected...)
}

// Pay makes one payment attempt for session id. The session is claimed for
// the attempt before the provider is asked, so however many tabs, replicas or
// retries pay at once, at most one attempt runs and at most one succeeds.
// A declined card is not an error: the payment comes back failed with its
// reason. Errors are bad input (KindInvalid, KindCard with the field named)
// or a session that cannot be paid (KindState).
func (s *Service) Pay(ctx context.Context, id string, pp PayParams) (*checkout.Session, *checkout.Payment, error) {
	sess, err := s.store.FindSession(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if st := sess.StatusAt(now); st != checkout.SessionOpen {
		return nil, nil, &checkout.Error{Kind: checkout.KindState, Code: "checkout_session_" + string(st), Message: "this checkout session is " + string(st) + " and can no longer be paid"}
	}
	if !slices.Contains(sess.PaymentMethodTypes, string(pp.Method)) {
		return nil, nil, checkout.Invalid("method", "payment_method_unavailable", "'%s' is not a payment method of this checkout session", pp.Method)
	}
	if pp.Card != nil && pp.Token != "" {
		return nil, nil, checkout.Invalid("payment_token", "parameter_unexpected", "a payment takes card details or a payment token, not both")
	}
	if pp.Method == checkout.MethodCard {
		if err := s.checkAttempts(sess); err != nil {
			return nil, nil, err
		}
		if pp.Card == nil && pp.Token == "" {
			return nil, nil, checkout.Invalid("card_number", "parameter_missing", "card details are required")
		}
	}
	var reader string // the device's card reader at the provider, if it is one
	if pp.Method == checkout.MethodInStore {
		// A device revoked since the session named it gets no push.
		if reader, err = s.checkPushDevice(ctx, sess); err != nil {
			return nil, nil, err
		}
	}
	if ps := s.InputProblems(sess, pp); len(ps) > 0 {
		return nil, nil, ps[0]
	}
	if sess.CustomerEmailLocked {
		pp.Email = "" // the merchant's, checked above to be the same
	}
	col, _ := collect(sess, pp.Collected) // checked with the rest above
	acct, err := s.account(ctx, sess.AccountID)
	if err != nil {
		return nil, nil, err
	}
	// The provider is chosen here, once; the payment records it. The
	// fixed test devices are the simulator's: their payments go to it
	// whatever provider takes the account's in_store payments (Stripe's
	// would hand them to a reader that does not exist, and they would
	// never answer).
	var prov checkout.Provider
	if pp.Method == checkout.MethodInStore && !sess.Livemode && checkout.IsTestDevice(sess.CompanionDevice) {
		prov, err = s.providerNamed(ctx, acct, false, simulator)
	} else {
		prov, err = s.providerFor(ctx, acct, sess.Livemode, sess.Provider, pp.Method)
	}
	if err != nil {
		return nil, nil, err
	}
	if _, drives := prov.(checkout.ReaderChecker); reader != "" && !drives {
		// A reader is reached only through its provider: the simulator
		// (the account's in_store provider changed since the session was
		// made) would leave the push unanswered.
		return nil, nil, &checkout.Error{Kind: checkout.KindState, Code: "device_unavailable",
			Message: "this checkout session's in-store device is a card reader that its payment provider cannot reach; choose another way to pay"}
	}
	if err := takes(prov.Page(pp.Method), pp); err != nil {
		return nil, nil, err
	}
	if pp.Method == checkout.MethodStablecoin {
		if err := checkStablecoinPay(prov, sess, &pp); err != nil {
			return nil, nil, err
		}
	} else if pp.Stablecoin != (checkout.TokenChain{}) {
		return nil, nil, checkout.Invalid("selected_token", "parameter_unknown", "a token and chain are taken for stablecoin payments only")
	}
	if tc, ok := prov.(checkout.TokenChecker); ok && pp.Token != "" {
		if err := tc.CheckToken(pp.Token); err != nil {
			return nil, nil, err
		}
	}
	p := &checkout.Payment{
		ID: s.ids.New("pay"), AccountID: sess.AccountID, Livemode: sess.Livemode, SessionID: sess.ID,
		Provider: prov.Name(), Method: pp.Method, Status: checkout.PaymentProcessing,
		Amount: sess.AmountTotal, Currency: sess.Currency, Version: 1, Created: now, Updated: now,
	}
	if pp.Card != nil {
		p.CardBrand, p.CardLast4 = pp.Card.Brand(), pp.Card.Last4()
	}

	// Claim the session and record the attempt in one write.
	fresh := true // the first try writes over the copy read above
	err = retryCAS(func() error {
		if !fresh {
			var err error
			if sess, err = s.store.FindSession(ctx, id); err != nil {
				return err
			}
		}
		fresh = false
		// Checked again on the copy the claim's compare-and-set writes over:
		// a decline recorded since the first read must count.
		if pp.Method == checkout.MethodCard {
			if err := s.checkAttempts(sess); err != nil {
				return err
			}
		}
		// One push at a time: a second would put the session on the
		// device twice, and both could be approved. Checked here, on the
		// copy the claim's compare-and-set writes over: a push recorded
		// after this read changed the session (its claim), so this write
		// fails and the check runs again.
		// Nor runs another method beside a push: both could take money.
		if err := s.checkNoPush(ctx, sess, pp.Method); err != nil {
			return err
		}
		if err := sess.Claim(p.ID, now); err != nil {
			return err
		}
		// A promotion code applied on the page since the first read
		// changed the total: the claim's copy is what is charged.
		p.Amount = sess.AmountTotal
		if pp.Email != "" {
			sess.CustomerEmail = pp.Email
		}
		col.record(sess)
		// A session of a payment link with a limit takes a place under it
		// in this same write: of two customers paying the last place at
		// once, one is refused here, before any provider is asked.
		c := checkout.Change{Session: sess, Payment: p}
		link, err := s.claimLink(ctx, sess, now)
		if err != nil {
			return err
		}
		if link != nil {
			c.Objects = []checkout.Object{link}
		}
		// So does a session with a limited coupon or promotion code.
		claimedDiscount(p, sess)
		places, err := s.claimDiscount(ctx, p, now)
		if err != nil {
			return err
		}
		c.Objects = append(c.Objects, places...)
		// And a session for an invoice holds it: of two sessions of one
		// invoice paid at once, one is refused here.
		inv, err := s.claimInvoice(ctx, sess, now)
		if err != nil {
			return err
		}
		if inv != nil {
			c.Objects = append(c.Objects, inv)
		}
		return s.store.Commit(ctx, c)
	})
	if err != nil {
		return nil, nil, err
	}

	res, err := prov.Start(ctx, checkout.StartRequest{Payment: p, Session: sess, Card: pp.Card, Token: pp.Token,
		IdempotencyKey: "checkoutd_" + p.ID, ReturnURL: ReturnURL(s.publicURL, sess.ID, p.ID), Refs: s.Refs(p.Scope(), prov.Name()), Stablecoin: pp.Stablecoin,
		SharedRefs: s.SharedRefs(prov.Name()), Reader: reader})
	if err != nil {
		s.log.Error("payment provider failed", "provider", prov.Name(), "payment", p.ID, "err", safeError(err))
		res = checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "processing_error",
			FailureMessage: "The payment could not be processed. Try again in a little while."}
		if _, ok := prov.(checkout.Poller); ok && !refusedBeforeSending(err) {
			// The call may have charged before it failed (a timeout after
			// the gateway took it): the payment is left undecided, the
			// session free for another attempt, and the reconciler asks the
			// gateway what became of it. A charge it finds on a session paid
			// since is refunded automatically, never lost and never kept twice.
			res.Status = checkout.PaymentProcessing
		}
	}
	if res.Detail != "" {
		s.log.Warn("payment provider refused the attempt", "provider", prov.Name(), "payment", p.ID, "detail", res.Detail)
	}
	if res.Action != nil && res.Action.Kind == checkout.NextActionDevice {
		// However the provider hands a payment to a device, the wait is
		// the service's rule: the sweep fails it at this deadline.
		res.Action.ExpiresAt = s.now().Add(s.devicePushTimeout)
	}
	rsess, rp, err := s.record(ctx, p.ID, res, nil)
	if err == nil && pushedTo(rp, rp.Action.DeviceID()) {
		s.pushed(rp)
	}
	var e *checkout.Error
	if errors.As(err, &e) && e.Code == "payment_final" {
		// The gateway's notification recorded the outcome while Start was
		// still waiting for its answer: that outcome is the payment's.
		if rp, err = s.store.FindPayment(ctx, p.ID); err != nil {
			return nil, nil, err
		}
		if rsess, err = s.store.FindSession(ctx, p.SessionID); err != nil {
			return nil, nil, err
		}
		return rsess.Observed(s.now()), rp, nil
	}
	return rsess, rp, err
}

// ConfirmPayment reports what the customer did on the next action of
// payment paymentID of session sessionID (the 3-D Secure challenge
// completed or failed, a redirect's return). The payment's own provider
// decides the outcome.
func (s *Service) ConfirmPayment(ctx context.Context, sessionID, paymentID string, req checkout.ConfirmRequest) (*checkout.Session, *checkout.Payment, error) {
	p, err := s.store.FindPayment(ctx, paymentID)
	if err != nil || p.SessionID != sessionID {
		return nil, nil, checkout.NotFound("payment", "payment", paymentID)
	}
	if p.Status != checkout.PaymentRequiresAction || p.Action == nil || !customerStep(p.Action.Kind) {
		return nil, nil, &checkout.Error{Kind: checkout.KindState, Code: "payment_not_awaiting_authentication", Message: "this payment is " + string(p.Status) + " and awaits no authentication"}
	}
	prov, err := s.providerOf(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	// Claim the session again: another tab may have paid meanwhile, and then
	// this payment must not go through.
	now := s.now()
	var ended checkout.SessionStatus // set when the session can no longer be paid
	exhausted := false               // set when its payment link has no place left
	redeemed := false                // set when its discount has no redemption left
	invoiceGone := false             // set when its invoice cannot be paid by it now
	err = retryCAS(func() error {
		sess, err := s.store.FindSession(ctx, sessionID)
		if err != nil {
			return err
		}
		if err := sess.Claim(p.ID, now); err != nil {
			if checkout.IsKind(err, checkout.KindState) && sess.StatusAt(now) != checkout.SessionOpen {
				ended = sess.StatusAt(now)
			}
			return err
		}
		// The link's place is taken again too: it may have lapsed while
		// the customer was away, and been taken by another.
		c := checkout.Change{Session: sess}
		link, err := s.claimLink(ctx, sess, now)
		if err != nil {
			exhausted = checkout.IsKind(err, checkout.KindState)
			return err
		}
		if link != nil {
			c.Objects = []checkout.Object{link}
		}
		places, err := s.claimDiscount(ctx, p, now)
		if err != nil {
			redeemed = checkout.IsKind(err, checkout.KindState)
			return err
		}
		c.Objects = append(c.Objects, places...)
		inv, err := s.claimInvoice(ctx, sess, now)
		if err != nil {
			invoiceGone = checkout.IsKind(err, checkout.KindState)
			return err
		}
		if inv != nil {
			c.Objects = append(c.Objects, inv)
		}
		return s.store.Commit(ctx, c)
	})
	if ended != "" || exhausted || redeemed || invoiceGone {
		why := "the checkout session is " + string(ended)
		if exhausted {
			why = "the payment link has reached its limit of completed checkout sessions"
		}
		if redeemed {
			why = "the discount of the checkout session has been redeemed as many times as it may be"
		}
		if invoiceGone {
			why = "the invoice of the checkout session is no longer open, or is being paid through another checkout session"
		}
		sess, canceled, err := s.cancelPayment(ctx, p.ID, why)
		// A gateway's payment may have gone through while the customer was
		// away (Stripe.js finished the 3-D Secure step): it is asked, so a
		// charge is never dropped unseen. A success after the cancel is
		// recorded as a late one and refunded in full.
		if _, ok := prov.(checkout.Poller); ok && err == nil && canceled.Status == checkout.PaymentCanceled && canceled.FailureCode == "session_unavailable" {
			if res, perr := prov.Confirm(ctx, p, req); perr == nil && res.Status == checkout.PaymentSucceeded {
				return s.record(ctx, p.ID, res, nil)
			}
		}
		return sess, canceled, err
	}
	if err != nil {
		return nil, nil, err
	}
	res, err := prov.Confirm(ctx, p, req)
	if err != nil {
		return nil, nil, err
	}
	return s.record(ctx, p.ID, res, nil)
}

// refusedBeforeSending reports whether a provider's error says it sent
// nothing (the input was not one it takes, or its account cannot do it),
// so nothing can have been charged.
func refusedBeforeSending(err error) bool {
	k := checkout.ErrorKind(err)
	return k == checkout.KindInvalid || k == checkout.KindState
}

// ReturnURL is where a customer sent away by payment paymentID's provider
// comes back to, under publicURL: the hosted page confirms the payment there.
func ReturnURL(publicURL, sessionID, paymentID string) string {
	return SessionURL(publicURL, sessionID) + "/return/" + paymentID
}

// customerStep reports whether a next action of kind k is done by the
// customer on the page and then confirmed (as opposed to one whose outcome
// arrives on its own).
func customerStep(k checkout.NextActionKind) bool {
	return k == checkout.NextActionRedirect || k == checkout.NextActionClientSecret
}

// awaitsLater reports whether a next action of kind k is paid elsewhere, its
// outcome pushed later by the provider (or its deadline passing).
func awaitsLater(k checkout.NextActionKind) bool {
	return k == checkout.NextActionVoucher || k == checkout.NextActionDepositAddress
}

// TestHelperFailureCode is the failure code of a payment failed by hand with
// SettlePayment.
const TestHelperFailureCode = "test_helper_failed"

// SettlePayment reports the outcome of a voucher (or deposit) payment by
// hand, in test mode only: the test helpers call it for the simulator. The
// result goes through ApplyProviderResult, as a gateway's would.
func (s *Service) SettlePayment(ctx context.Context, scope checkout.Scope, paymentID string, succeeded bool) (*checkout.Payment, error) {
	if scope.Livemode {
		return nil, checkout.Errorf(checkout.KindForbidden, "livemode_forbidden", "test helpers work only with test keys")
	}
	p, err := s.store.GetPayment(ctx, scope, paymentID)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "payment", paymentID)
	}
	if err != nil {
		return nil, err
	}
	if p.Status != checkout.PaymentRequiresAction || p.Action == nil || !awaitsLater(p.Action.Kind) {
		return nil, &checkout.Error{Kind: checkout.KindState, Code: "payment_not_pending", Message: "only a payment awaiting its voucher can be settled; this one is " + string(p.Status)}
	}
	res := checkout.ProviderResult{Status: checkout.PaymentSucceeded}
	if !succeeded {
		// Its own code, not the expiry's: a merchant testing its handling
		// of failures must be able to tell the two apart, and the page
		// must not say a voucher expired when its deadline has not passed.
		res = checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: TestHelperFailureCode,
			FailureMessage: "The payment was failed with the test helper."}
	}
	return s.ApplyProviderResult(ctx, scope, p.Provider, checkout.Notification{PaymentID: p.ID, ProviderRef: p.ProviderRef, Result: res})
}

// lapsed is the result of payment p whose next action passed its deadline
// undone.
func lapsed(p *checkout.Payment) checkout.ProviderResult {
	res := checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "action_expired", FailureMessage: "The payment was not completed in time."}
	if p.Action != nil {
		switch p.Action.Kind {
		case checkout.NextActionVoucher:
			res.FailureCode, res.FailureMessage = "voucher_expired", "The "+string(p.Method)+" voucher was not paid in time."
		case checkout.NextActionDepositAddress:
			res.FailureCode, res.FailureMessage = depositExpired, "The deposit was not received in time."
		case checkout.NextActionDevice:
			res.FailureCode, res.FailureMessage = "device_timeout", "The in-store device did not answer in time."
		}
	}
	return res
}

// ApplyProviderResult is the one entry point for results a provider pushes:
// a gateway's verified notification, a watcher's deposit, the test helpers'
// settlement and the expiry of an unpaid voucher. The result must be for a
// payment of scope (the account and mode whose credentials verified it)
// held by provider; it is recorded like a result asked for. A payment
// already final answers KindState (a gateway repeats its messages); one not
// found, or held by another provider, KindNotFound. (A gateway's message
// goes through takeNotification, which also records it.)
func (s *Service) ApplyProviderResult(ctx context.Context, scope checkout.Scope, provider string, n checkout.Notification) (*checkout.Payment, error) {
	p, err := s.resultPayment(ctx, scope, provider, n)
	if err != nil {
		return nil, err
	}
	// A gateway that states what was paid (a Multibanco callback) settles
	// only a payment of that amount: any other changes nothing.
	if n.Amount != 0 && n.Amount != p.Amount && n.Result.Status != "" {
		return nil, checkout.Errorf(checkout.KindState, "amount_mismatch", "the provider reports %d paid, not the payment's %d", n.Amount, p.Amount)
	}
	return s.applyNotification(ctx, p, n)
}

// resultPayment is the payment a provider's result n is about: one of
// scope, held by provider, whose reference (when both have one) is n's.
// KindNotFound otherwise, so a result can never reach another account's,
// mode's or provider's payment.
func (s *Service) resultPayment(ctx context.Context, scope checkout.Scope, provider string, n checkout.Notification) (*checkout.Payment, error) {
	var p *checkout.Payment
	var err error
	switch {
	case n.PaymentID != "":
		p, err = s.store.GetPayment(ctx, scope, n.PaymentID)
	case n.ProviderRef != "":
		// A gateway's message may name only its own reference.
		p, err = s.store.FindPaymentByRef(ctx, provider, n.ProviderRef)
		if err == nil && p.Scope() != scope {
			err = checkout.ErrNotFound
		}
	default:
		err = checkout.ErrNotFound
	}
	if err == nil && (p.Provider != provider || (n.ProviderRef != "" && p.ProviderRef != "" && n.ProviderRef != p.ProviderRef)) {
		err = checkout.ErrNotFound
	}
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("payment", "payment", n.PaymentID+n.ProviderRef)
	}
	return p, err
}

// ResultSink is where a Watcher of provider for scope pushes its results.
func (s *Service) ResultSink(scope checkout.Scope, provider string) checkout.ResultSink {
	return func(ctx context.Context, n checkout.Notification) error {
		_, err := s.ApplyProviderResult(ctx, scope, provider, n)
		return err
	}
}

// record writes a provider's result for payment id together with what it
// does to the session, and the events, in one write; it retries on lost
// compare-and-set races, re-deciding from fresh copies each time.
//
// note, when set, is the record of the gateway message that carried the
// result: it rides in the same write (so a crash cannot keep the change
// and lose the record, or the reverse), and its Outcome is decided on the
// copies that write goes over — a message seen before, a payment already
// final or an amount that is not the payment's changes nothing but the
// record (see noteRefusal).
func (s *Service) record(ctx context.Context, paymentID string, res checkout.ProviderResult, note *checkout.ProviderNotification) (*checkout.Session, *checkout.Payment, error) {
	return s.recordFenced(ctx, paymentID, res, note, nil)
}

// fenceFunc returns an object a write must carry, checked as it is read
// just before the write: the write's compare-and-set of it then fails if
// it changed meanwhile. An error ends the write, and the record, with it.
type fenceFunc func(ctx context.Context) (checkout.Object, error)

// recordFenced is record with a fence (nil for none): a chain watcher's
// results carry its cursor, so a watcher that lost its lease to another
// cannot write a payment with its stale view of the chain (see
// ChainWatcher.push).
func (s *Service) recordFenced(ctx context.Context, paymentID string, res checkout.ProviderResult, note *checkout.ProviderNotification, fence fenceFunc) (*checkout.Session, *checkout.Payment, error) {
	var (
		sess      *checkout.Session
		p         *checkout.Payment
		events    []*checkout.Event
		now       time.Time
		countLink bool // a completion to count on a link without a limit
		late      *checkout.Refund
		completed bool // the session was completed by this result
	)
	countRedeemed := false // a redemption to count on an unlimited coupon or code
	err := retryCAS(func() error {
		var err error
		if p, err = s.store.FindPayment(ctx, paymentID); err != nil {
			return err
		}
		if sess, err = s.store.FindSession(ctx, p.SessionID); err != nil {
			return err
		}
		now = s.now()
		events, countLink = nil, false
		if note != nil {
			note.Received, note.PaymentID = now, p.ID
			if dup, err := s.seenNotification(ctx, note); err != nil || dup {
				return err
			}
			if note.Outcome = noteRefusal(p, note); note.Outcome != "" {
				return s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{note}})
			}
			note.Outcome = checkout.NotificationApplied
		}
		wasOpen := sess.Status == checkout.SessionOpen
		wasPaid := sess.PaymentStatus == checkout.PaymentPaid
		// A session for an invoice that can no longer take this payment
		// (voided, or paid through another session, after this payment's
		// hold lapsed) is not completed by a success: the payment is
		// refunded like any success its session cannot take.
		inv, err := s.sessionInvoice(ctx, sess)
		if err != nil {
			return err
		}
		refuse := inv != nil && !inv.Accepts(sess.ID, now)
		var keep bool
		if events, keep, err = s.apply(sess, p, res, now, refuse); err != nil {
			return err
		}
		// Left undecided, the payment is asked about later in case its
		// notification is lost; final, nobody needs to ask (unless a late
		// refund below is reserved: it schedules its own check, or a
		// lapsed deposit is kept watched for a late transfer).
		p.CheckAt = s.nextCheck(p, now)
		switch {
		case depositLapsed(p):
			p.CheckAt = now.Add(DepositLateWatch)
		case awaitingConfirmations(p) && !p.CheckAt.After(now):
			// Past its deadline, waiting for confirmations (apply): looked
			// at again later, not at every sweep.
			p.CheckAt = now.Add(s.reconcileAfter)
		}
		c := checkout.Change{Session: sess, Payment: p, Events: events}
		if !keep {
			c.Session = nil
		} else if err := s.restoreSelection(ctx, sess, p); err != nil {
			return err
		}
		// A session of a payment link: counted when it completes, and its
		// place under the link's limit freed once this payment has ended.
		// A payment still waiting on the customer (3-D Secure) keeps it.
		completed = keep && wasOpen && sess.Status == checkout.SessionComplete
		countLink = false
		if sess.PaymentLink != "" && (completed || p.Status.Final()) {
			link, unlimited, err := s.settleLink(ctx, sess, completed, now)
			if err != nil {
				return err
			}
			if link != nil {
				c.Objects = []checkout.Object{link}
			}
			countLink = unlimited && completed
		}
		// So are the redemption places of the discount it was asked for
		// (not the session's now); a payment waiting on its own to its
		// deadline holds them until then.
		countRedeemed = false
		switch {
		case completed || p.Status.Final():
			places, after, err := s.settleDiscount(ctx, p, completed, now)
			if err != nil {
				return err
			}
			c.Objects = append(c.Objects, places...)
			countRedeemed = after
		case p.Status == checkout.PaymentRequiresAction:
			places, err := s.holdDiscount(ctx, p, now)
			if err != nil {
				return err
			}
			c.Objects = append(c.Objects, places...)
		}
		// Its invoice: paid in this same write as the completion, with
		// invoice.paid; held on, or freed, as the payment goes.
		inv, ev, err := s.settleInvoice(ctx, inv, sess, p, wasPaid, completed, now)
		if err != nil {
			return err
		}
		if inv != nil {
			c.Objects = append(c.Objects, inv)
			if ev != nil {
				c.Events = append(c.Events, ev)
				events = c.Events
			}
		}
		// A success the session could not take (see apply) is refunded
		// in this same write.
		// A late deposit is never refunded (checkoutd holds no key): its
		// event tells the merchant (apply).
		if late = nil; p.Status == checkout.PaymentSucceeded && sess.Payment != p.ID && !(p.Deposit != nil && p.Deposit.Late) {
			r, ev, err := s.lateRefund(ctx, p, now)
			if err != nil {
				return err
			}
			if late = r; r != nil {
				c.Objects = append(c.Objects, r)
				c.Events = append(c.Events, ev)
				events = c.Events
			}
		}
		if note != nil {
			c.Objects = append(c.Objects, note)
		}
		if fence != nil {
			o, err := fence(ctx)
			if err != nil {
				return err
			}
			c.Objects = append(c.Objects, o)
		}
		return s.store.Commit(ctx, c)
	})
	if err != nil {
		return nil, nil, err
	}
	if late != nil {
		s.askLateRefund(ctx, p, late)
	}
	if completed {
		// Its other payments waiting on a device can no longer be the
		// session's: called off, so that no card pays it twice.
		s.callOffPushes(ctx, sess, "the checkout session was paid another way")
	}
	if countLink {
		s.countLinkCompletion(ctx, sess, now)
	}
	if countRedeemed {
		s.countRedemption(ctx, p, now)
	}
	if len(events) > 0 {
		s.wakeDeliveries()
	}
	for _, ev := range events {
		if t, ok := eventTransitions[ev.Type]; ok {
			s.observe(t)
		}
	}
	return sess.Observed(now), p, nil
}

// apply changes sess and p for result res and returns the events to write;
// writeSession is false when the session must be left as it is.
//
// refuse, set when the session's invoice cannot take this payment, makes
// a success one the session does not take (as one after it ended), and an
// outcome that would come later (Async) a cancellation: the session is
// not completed waiting for money its invoice can no longer take.
func (s *Service) apply(sess *checkout.Session, p *checkout.Payment, res checkout.ProviderResult, now time.Time, refuse bool) (events []*checkout.Event, writeSession bool, err error) {
	// A payment checkoutd ended itself may still have been charged at the
	// gateway (endedByCheckoutd): its success is a late success like any
	// other. Such a payment is never the session's: a session still open
	// (its payment link's place was taken meanwhile, its device timed out)
	// is not completed by it.
	chargedAfterCancel := endedByCheckoutd(p) && res.Status == checkout.PaymentSucceeded
	// A deposit that lapsed unpaid may still receive its transfer: the
	// chain cannot refuse it, so it is recorded (see depositOutcome).
	lateDeposit := depositLapsed(p) && res.Deposit != nil
	if p.Status.Final() && !chargedAfterCancel && !lateDeposit {
		return nil, false, &checkout.Error{Kind: checkout.KindState, Code: "payment_final", Message: "this payment is already " + string(p.Status)}
	}
	// A deposit with a transfer confirming is not failed at its deadline:
	// it waits for the confirmations (see awaitingConfirmations).
	if res.Status == checkout.PaymentFailed && res.FailureCode == depositExpired && awaitingConfirmations(p) {
		p.Version++
		return nil, false, nil
	}
	prevDeposit := p.Deposit
	p.Version++
	p.Updated = now
	if res.ProviderRef != "" {
		p.ProviderRef = res.ProviderRef
	}
	if res.CardLast4 != "" {
		p.CardBrand, p.CardLast4 = res.CardBrand, res.CardLast4
	}
	selected := res.Deposit != nil && p.Deposit == nil // a stablecoin payment's start
	if res.Deposit != nil {
		p.Deposit = res.Deposit.Clone()
	}
	sessionEvent := func(t checkout.Transition) error {
		ev, err := sess.Apply(t, now, s.ids.New("evt"))
		if err == nil {
			events = append(events, ev)
		}
		return err
	}
	paymentEvent := func(typ string) {
		sess.EventSeq++
		events = append(events, &checkout.Event{ID: s.ids.New("evt"), AccountID: p.AccountID, Livemode: p.Livemode,
			Type: typ, Created: now, Sequence: sess.EventSeq, ObjectID: p.ID, Payment: p.Clone()})
	}
	asyncPending := sess.Status == checkout.SessionComplete && sess.PaymentStatus == checkout.PaymentUnpaid && sess.Payment == p.ID
	if lateDeposit && res.Status != checkout.PaymentSucceeded {
		// Short of the amount due, after the deadline: recorded, the
		// payment stays failed. Each transfer that confirms is told
		// (payment.received_late: coins the merchant holds and must settle
		// with the customer); one still confirming is not yet.
		if !lateConfirmedGrew(prevDeposit, p.Deposit) {
			return nil, false, nil
		}
		p.Deposit.Late = true
		sess.Release(p.ID, now, false)
		paymentEvent(checkout.EventPaymentReceivedLate)
		return events, true, nil
	}
	// What a chain's confirmed transfers say beyond the status (an
	// excess, a shortfall): depositOutcome.
	var out depositOutcome
	if res.Deposit != nil {
		out = outcomeOf(prevDeposit, p.Deposit, res.Status)
	}

	switch res.Status {
	case checkout.PaymentSucceeded:
		p.Status, p.Action, p.FailureCode, p.FailureMessage = checkout.PaymentSucceeded, nil, "", ""
		if asyncPending && refuse {
			// The session waited for this payment, but its invoice was
			// paid through another session (or voided) meanwhile: the
			// money is a late success, refunded by record; the session
			// is told its payment did not come, and no longer names it.
			sess.Payment = ""
			err := sessionEvent(checkout.TransitionAsyncFailed)
			paymentEvent(checkout.EventPaymentSucceeded)
			return events, true, err
		}
		if asyncPending {
			err := sessionEvent(checkout.TransitionAsyncSucceeded)
			paymentEvent(checkout.EventPaymentSucceeded)
			return events, true, err
		}
		// A payment asked for another total than the session's now (its
		// discount changed while it waited) never completes the session:
		// it is a late success, the session left open at its own total;
		// so is one whose invoice can no longer take it (refuse).
		if !chargedAfterCancel && !refuse && p.Amount == sess.AmountTotal && p.Currency == sess.Currency {
			prevPayment := sess.Payment
			sess.Payment = p.ID // before Apply, so the event's snapshot names it
			if err := sessionEvent(checkout.TransitionPay); err == nil {
				paymentEvent(checkout.EventPaymentSucceeded)
				if out.overpaid {
					paymentEvent(checkout.EventPaymentOverpaid)
				}
				break
			}
			sess.Payment = prevPayment
		}
		if p.Deposit != nil {
			// Coins sent after the session ended (expired, or paid by
			// another payment) are in the merchant's wallet: checkoutd
			// holds no key to send them back, so the payment is recorded
			// succeeded and late, never the session's, and the merchant is
			// told to settle with the customer. No refund is attempted.
			p.Deposit.Late = true
			sess.Release(p.ID, now, false)
			paymentEvent(checkout.EventPaymentReceivedLate)
			if out.overpaid {
				paymentEvent(checkout.EventPaymentOverpaid)
			}
			return events, true, nil
		}
		// The session ended or was paid by another payment after this
		// one's claim lapsed (or checkoutd had called it off), but the
		// money was taken: the payment is recorded succeeded (not as the
		// session's, which stays as it is) and record refunds it in full
		// (lateRefund).
		sess.Release(p.ID, now, false)
		paymentEvent(checkout.EventPaymentSucceeded)
		return events, true, nil
	case checkout.PaymentFailed, checkout.PaymentCanceled:
		// Canceled at the gateway (a Stripe intent canceled there, a
		// voucher deleted) ends the attempt like a failure, but is no
		// declined card: it does not count against the session's attempts.
		p.Status, p.Action, p.FailureCode, p.FailureMessage = res.Status, nil, res.FailureCode, res.FailureMessage
		if asyncPending {
			err := sessionEvent(checkout.TransitionAsyncFailed)
			paymentEvent(checkout.EventPaymentFailed)
			return events, true, err
		}
		sess.Release(p.ID, now, res.Status == checkout.PaymentFailed)
		paymentEvent(checkout.EventPaymentFailed)
	default: // requires_action, processing
		// A processing payment may carry why it is undecided (its provider
		// could not be reached); the page tells the customer.
		p.Status, p.FailureCode, p.FailureMessage = res.Status, res.FailureCode, res.FailureMessage
		// A watcher's news of a deposit (what arrived, its confirmations)
		// leaves the payment's action, and its deadline, as they are.
		if res.Action != nil || (res.Status == checkout.PaymentRequiresAction && res.Deposit == nil) {
			p.Action = res.Action
		}
		if out.underpaid {
			paymentEvent(checkout.EventPaymentUnderpaid)
		}
		if selected && res.Status == checkout.PaymentRequiresAction && sess.Status == checkout.SessionOpen {
			// The customer's selection, with the rate locked for it: the
			// session shows the last one (each is a payment of its own).
			sess.Chain, sess.SelectedToken, sess.ExchangeRate = res.Deposit.Chain, res.Deposit.Token, res.Deposit.ExchangeRate
		}
		switch {
		case asyncPending:
			// The session already waits for this payment's outcome.
			return events, false, nil
		case res.Deposit != nil && holdsWhileConfirming(sess, p, now):
			// A transfer is on its way to the merchant's wallet: the
			// session is held for it like a payment claim (refreshed with
			// each of the watcher's results), so it does not expire while
			// the transfer confirms, and its confirmation completes it
			// past expires_at instead of arriving late.
			sess.PaymentInFlight, sess.InFlightSince = p.ID, now
			sess.Version++
			sess.Updated = now
			return events, true, nil
		case res.Async && refuse:
			// Its invoice was paid through another session, or voided,
			// after this payment's hold lapsed: the session is not
			// completed waiting for money the invoice cannot take. The
			// payment is canceled as one whose session ended, so a late
			// success of it is refunded (chargedAfterCancel).
			p.Status, p.Action = checkout.PaymentCanceled, nil
			p.FailureCode, p.FailureMessage = "session_unavailable", "Canceled: this checkout session's invoice can no longer be paid."
			sess.Release(p.ID, now, false)
			paymentEvent(checkout.EventPaymentFailed)
			return events, true, nil
		case res.Async:
			// The outcome arrives later, on its own: the session is
			// complete, unpaid until then.
			sess.Payment = p.ID
			return events, true, sessionEvent(checkout.TransitionPayAsync)
		case prevDeposit != nil && res.Deposit != nil && len(events) == 0 && sess.PaymentInFlight != p.ID:
			// A chain watcher's news of a deposit (a confirmation more)
			// changes nothing of the session: it is not written.
			return events, false, nil
		}
		sess.Release(p.ID, now, false)
	}
	return events, true, nil
}

// endedByCheckoutd reports whether p is an attempt checkoutd ended itself
// while its gateway may still take the money: one canceled because its
// session ended before the customer's step was confirmed (Stripe takes
// the money when the customer passes 3-D Secure), or an in-store payment
// failed or canceled at checkoutd's word (a device's decline or cancel, a
// push timed out, a device revoked, a reader's failure: a card tapped as
// the call-off went out). A success reported for it is recorded and
// refunded in full, never dropped.
func endedByCheckoutd(p *checkout.Payment) bool {
	switch {
	case p.Status == checkout.PaymentCanceled && p.FailureCode == "session_unavailable":
		return true
	case p.Method == checkout.MethodInStore:
		return p.Status == checkout.PaymentFailed || p.Status == checkout.PaymentCanceled
	}
	return false
}

// cancelPayment marks a payment canceled (its session was completed by
// another payment, or ended) and returns it with the session.
func (s *Service) cancelPayment(ctx context.Context, paymentID, why string) (*checkout.Session, *checkout.Payment, error) {
	var p *checkout.Payment
	final := false // ended meanwhile, by another request: left as it is
	err := retryCAS(func() error {
		var err error
		if p, err = s.store.FindPayment(ctx, paymentID); err != nil {
			return err
		}
		if final = p.Status.Final(); final {
			return nil
		}
		p.Status, p.Action, p.FailureCode, p.FailureMessage = checkout.PaymentCanceled, nil, "session_unavailable", "Canceled: "+why+"."
		p.Version++
		p.Updated = s.now()
		return s.store.Commit(ctx, checkout.Change{Payment: p})
	})
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.store.FindSession(ctx, p.SessionID)
	if err != nil || final {
		return sess, p, err
	}
	return sess.Observed(s.now()), p, nil
}

// GetPayment returns a payment of scope.
func (s *Service) GetPayment(ctx context.Context, scope checkout.Scope, id string) (*checkout.Payment, error) {
	p, err := s.store.GetPayment(ctx, scope, id)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return nil, checkout.NotFound("id", "payment", id)
	}
	return p, err
}

// ListPayments returns one page of scope's payments, newest first.
func (s *Service) ListPayments(ctx context.Context, scope checkout.Scope, f checkout.PaymentFilter) (checkout.Page[*checkout.Payment], error) {
	if err := checkList(&f.ListParams); err != nil {
		return checkout.Page[*checkout.Payment]{}, err
	}
	return s.store.ListPayments(ctx, scope, f)
}

// checkAttempts refuses cards on a session that has taken the most declined
// attempts it may (card-testing protection).
func (s *Service) checkAttempts(sess *checkout.Session) error {
	if sess.FailedAttempts >= s.maxFailed() {
		return &checkout.Error{Kind: checkout.KindState, Code: "too_many_attempts", Message: "too many declined attempts; this checkout session no longer accepts cards"}
	}
	return nil
}

func (s *Service) maxFailed() int { return s.maxFailedAttempts }

// CardsRefused reports whether sess has taken the most declined attempts it
// may, so that paying by card is refused with too_many_attempts: the page
// shows that state rather than a card form that can only fail.
func (s *Service) CardsRefused(sess *checkout.Session) bool { return s.checkAttempts(sess) != nil }

// FindSessionPage returns a session by id alone, as readers see it now, with
// its account: what a customer-facing page without a key may read.
func (s *Service) FindSessionPage(ctx context.Context, id string) (*checkout.Session, *checkout.Account, error) {
	sess, err := s.store.FindSession(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	acct, err := s.account(ctx, sess.AccountID)
	if err != nil {
		return nil, nil, err
	}
	return sess.Observed(s.now()), acct, nil
}

// FindSessionCharge returns the payment of session sessionID that charge
// names: the payment's id, or its provider's reference (a gateway's id of
// the attempt, Stripe's pi_…), as seed 000's confirm sends either.
// KindNotFound if the session has no such payment.
func (s *Service) FindSessionCharge(ctx context.Context, sessionID, charge string) (*checkout.Payment, error) {
	p, err := s.FindPayment(ctx, charge)
	if err != nil && checkout.IsKind(err, checkout.KindNotFound) {
		for _, name := range ProviderNames() {
			if p, err = s.store.FindPaymentByRef(ctx, name, charge); err == nil || !checkout.IsKind(err, checkout.KindNotFound) {
				break
			}
		}
	}
	if err == nil && p.SessionID != sessionID {
		err = checkout.ErrNotFound
	}
	return p, err
}

// FindPayment returns a payment by id alone, for customer-facing pages.
func (s *Service) FindPayment(ctx context.Context, id string) (*checkout.Payment, error) {
	if id == "" {
		return nil, checkout.ErrNotFound
	}
	return s.store.FindPayment(ctx, id)
}
