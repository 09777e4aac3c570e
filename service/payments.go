package service

import (
	"context"
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
// dialect's pay call). Card is set for card payments and is never stored.
type PayParams struct {
	Method string
	Card   *checkout.Card
	Email  string
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

// provider returns the provider for a session's mode and method.
func (s *Service) provider(sess *checkout.Session, method string) (checkout.Provider, error) {
	for _, p := range s.providers[sess.Livemode] {
		if slices.Contains(p.Methods(), method) {
			return p, nil
		}
	}
	return nil, checkout.Errorf(checkout.KindState, "provider_unavailable", "no payment provider handles %s in this mode", method)
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
	if !slices.Contains(sess.PaymentMethodTypes, pp.Method) {
		return nil, nil, checkout.Invalid("method", "payment_method_unavailable", "'%s' is not a payment method of this checkout session", pp.Method)
	}
	if pp.Method == "card" {
		if err := s.checkAttempts(sess); err != nil {
			return nil, nil, err
		}
		if pp.Card == nil {
			return nil, nil, checkout.Invalid("card_number", "parameter_missing", "card details are required")
		}
		if err := pp.Card.Validate(now); err != nil {
			return nil, nil, err
		}
	}
	if pp.Email != "" {
		if err := checkEmail(pp.Email); err != nil {
			return nil, nil, err
		}
		// The merchant's email is locked: another address is refused, not
		// ignored, so a caller learns that it was not taken. The same
		// address in another case is the same mailbox in practice.
		if sess.CustomerEmailLocked {
			if !strings.EqualFold(pp.Email, sess.CustomerEmail) {
				return nil, nil, checkout.Invalid("customer_email", "email_locked", "the merchant set this checkout session's email address; it cannot be changed")
			}
			pp.Email = ""
		}
	}
	prov, err := s.provider(sess, pp.Method)
	if err != nil {
		return nil, nil, err
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
	for attempt := 0; ; attempt++ {
		// Checked again on the copy the claim's compare-and-set writes over:
		// a decline recorded since the first read must count.
		if pp.Method == "card" {
			if err := s.checkAttempts(sess); err != nil {
				return nil, nil, err
			}
		}
		if err := sess.Claim(p.ID, now); err != nil {
			return nil, nil, err
		}
		if pp.Email != "" {
			sess.CustomerEmail = pp.Email
		}
		err := s.store.Commit(ctx, checkout.Change{Session: sess, Payment: p})
		if err == nil {
			break
		}
		if !checkout.IsKind(err, checkout.KindConflict) || attempt >= maxCASRetries {
			return nil, nil, err
		}
		if sess, err = s.store.FindSession(ctx, id); err != nil {
			return nil, nil, err
		}
	}

	res, err := prov.Start(ctx, checkout.PaymentRequest{Payment: p, Session: sess, Card: pp.Card})
	if err != nil {
		s.log.Error("payment provider failed", "provider", prov.Name(), "payment", p.ID, "err", err)
		res = checkout.ProviderResult{Status: checkout.PaymentFailed, FailureCode: "processing_error",
			FailureMessage: "The payment could not be processed. Try again in a little while."}
	}
	return s.record(ctx, p.ID, res)
}

// Confirm3DS reports the customer's answer to a 3-D Secure challenge
// (ok: completed, else failed) for payment paymentID of session sessionID.
func (s *Service) Confirm3DS(ctx context.Context, sessionID, paymentID string, ok bool) (*checkout.Session, *checkout.Payment, error) {
	p, err := s.store.FindPayment(ctx, paymentID)
	if err != nil || p.SessionID != sessionID {
		return nil, nil, checkout.NotFound("payment", "payment", paymentID)
	}
	if p.Status != checkout.PaymentRequiresAction || p.Action == nil || p.Action.Type != "three_d_secure" {
		return nil, nil, &checkout.Error{Kind: checkout.KindState, Code: "payment_not_awaiting_authentication", Message: "this payment is " + string(p.Status) + " and awaits no authentication"}
	}
	// Claim the session again: another tab may have paid meanwhile, and then
	// this payment must not go through.
	now := s.now()
	for attempt := 0; ; attempt++ {
		sess, err := s.store.FindSession(ctx, sessionID)
		if err != nil {
			return nil, nil, err
		}
		if err := sess.Claim(p.ID, now); err != nil {
			if checkout.IsKind(err, checkout.KindState) && sess.StatusAt(now) != checkout.SessionOpen {
				return s.cancelPayment(ctx, p.ID, "the checkout session is "+string(sess.StatusAt(now)))
			}
			return nil, nil, err
		}
		err = s.store.Commit(ctx, checkout.Change{Session: sess})
		if err == nil {
			break
		}
		if !checkout.IsKind(err, checkout.KindConflict) || attempt >= maxCASRetries {
			return nil, nil, err
		}
	}
	action := "fail"
	if ok {
		action = "authenticate"
	}
	prov, err := s.provider(&checkout.Session{Livemode: p.Livemode}, p.Method)
	if err != nil {
		return nil, nil, err
	}
	res, err := prov.Act(ctx, p, action)
	if err != nil {
		return nil, nil, err
	}
	return s.record(ctx, p.ID, res)
}

// SettlePayment reports the asynchronous outcome of a voucher payment: the
// test helpers call it for the simulator, a provider's notification for real
// ones. Only test mode may settle by hand.
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
	if p.Status != checkout.PaymentRequiresAction || p.Action == nil || p.Action.Type != "multibanco_voucher" {
		return nil, &checkout.Error{Kind: checkout.KindState, Code: "payment_not_pending", Message: "only a payment awaiting its voucher can be settled; this one is " + string(p.Status)}
	}
	prov, err := s.provider(&checkout.Session{Livemode: p.Livemode}, p.Method)
	if err != nil {
		return nil, err
	}
	res, err := prov.Settle(ctx, p, succeeded)
	if err != nil {
		return nil, err
	}
	_, p, err = s.record(ctx, p.ID, res)
	return p, err
}

// record writes a provider's result for payment id together with what it
// does to the session, and the events, in one write; it retries on lost
// compare-and-set races, re-deciding from fresh copies each time.
func (s *Service) record(ctx context.Context, paymentID string, res checkout.ProviderResult) (*checkout.Session, *checkout.Payment, error) {
	for attempt := 0; ; attempt++ {
		p, err := s.store.FindPayment(ctx, paymentID)
		if err != nil {
			return nil, nil, err
		}
		sess, err := s.store.FindSession(ctx, p.SessionID)
		if err != nil {
			return nil, nil, err
		}
		now := s.now()
		events, keep, err := s.apply(sess, p, res, now)
		if err != nil {
			return nil, nil, err
		}
		c := checkout.Change{Session: sess, Payment: p, Events: events}
		if !keep {
			c.Session = nil
		}
		err = s.store.Commit(ctx, c)
		if err == nil {
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
		if !checkout.IsKind(err, checkout.KindConflict) || attempt >= maxCASRetries {
			return nil, nil, err
		}
	}
}

// apply changes sess and p for result res and returns the events to write;
// writeSession is false when the session must be left as it is.
func (s *Service) apply(sess *checkout.Session, p *checkout.Payment, res checkout.ProviderResult, now time.Time) (events []*checkout.Event, writeSession bool, err error) {
	if p.Status.Final() {
		return nil, false, &checkout.Error{Kind: checkout.KindState, Code: "payment_final", Message: "this payment is already " + string(p.Status)}
	}
	p.Version++
	p.Updated = now
	p.ProviderRef = res.ProviderRef
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

	switch res.Status {
	case checkout.PaymentSucceeded:
		p.Status, p.Action, p.FailureCode, p.FailureMessage = checkout.PaymentSucceeded, nil, "", ""
		if asyncPending {
			err := sessionEvent(checkout.TransitionAsyncSucceeded)
			paymentEvent(checkout.EventPaymentSucceeded)
			return events, true, err
		}
		prevPayment := sess.Payment
		sess.Payment = p.ID // before Apply, so the event's snapshot names it
		if err := sessionEvent(checkout.TransitionPay); err != nil {
			sess.Payment = prevPayment
			// The session ended or was paid by another payment after this
			// one's claim lapsed: this payment must not stand. (A real
			// provider's charge would be refunded here.)
			p.Status, p.FailureCode, p.FailureMessage = checkout.PaymentCanceled, "session_unavailable", "Canceled: the checkout session was no longer open."
			return nil, false, nil
		}
		paymentEvent(checkout.EventPaymentSucceeded)
	case checkout.PaymentFailed:
		p.Status, p.Action, p.FailureCode, p.FailureMessage = checkout.PaymentFailed, nil, res.FailureCode, res.FailureMessage
		if asyncPending {
			err := sessionEvent(checkout.TransitionAsyncFailed)
			paymentEvent(checkout.EventPaymentFailed)
			return events, true, err
		}
		sess.Release(p.ID, now, true)
		paymentEvent(checkout.EventPaymentFailed)
	case checkout.PaymentRequiresAction:
		p.Status, p.Action = checkout.PaymentRequiresAction, res.Action
		if res.Action != nil && res.Action.Type == "multibanco_voucher" {
			sess.Payment = p.ID
			return events, true, sessionEvent(checkout.TransitionPayAsync)
		}
		sess.Release(p.ID, now, false)
	default:
		p.Status = res.Status
		sess.Release(p.ID, now, false)
	}
	return events, true, nil
}

// cancelPayment marks a payment canceled (its session was completed by
// another payment, or ended) and returns it with the session.
func (s *Service) cancelPayment(ctx context.Context, paymentID, why string) (*checkout.Session, *checkout.Payment, error) {
	for attempt := 0; ; attempt++ {
		p, err := s.store.FindPayment(ctx, paymentID)
		if err != nil {
			return nil, nil, err
		}
		if p.Status.Final() {
			sess, err := s.store.FindSession(ctx, p.SessionID)
			return sess, p, err
		}
		p.Status, p.Action, p.FailureCode, p.FailureMessage = checkout.PaymentCanceled, nil, "session_unavailable", "Canceled: "+why+"."
		p.Version++
		p.Updated = s.now()
		err = s.store.Commit(ctx, checkout.Change{Payment: p})
		if err == nil {
			sess, err := s.store.FindSession(ctx, p.SessionID)
			if err != nil {
				return nil, nil, err
			}
			return sess.Observed(s.now()), p, nil
		}
		if !checkout.IsKind(err, checkout.KindConflict) || attempt >= maxCASRetries {
			return nil, nil, err
		}
	}
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

// FindPayment returns a payment by id alone, for customer-facing pages.
func (s *Service) FindPayment(ctx context.Context, id string) (*checkout.Payment, error) {
	if id == "" {
		return nil, checkout.ErrNotFound
	}
	return s.store.FindPayment(ctx, id)
}

// FailDueVouchers fails every voucher payment whose deadline has passed
// unpaid (its session gets checkout.session.async_payment_failed) and
// returns how many it failed. Several processes may run it at once: the
// compare-and-set in record lets one of them write each outcome.
func (s *Service) FailDueVouchers(ctx context.Context) (int, error) {
	due, err := s.store.DuePayments(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range due {
		prov, err := s.provider(&checkout.Session{Livemode: p.Livemode}, p.Method)
		if err != nil {
			return n, err
		}
		res, err := prov.Settle(ctx, p, false)
		if err != nil {
			return n, err
		}
		switch _, _, err := s.record(ctx, p.ID, res); {
		case err == nil:
			n++
		case checkout.IsKind(err, checkout.KindState):
			// Settled by someone else meanwhile.
		default:
			return n, err
		}
	}
	return n, nil
}
