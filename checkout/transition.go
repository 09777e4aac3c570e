package checkout

import (
	"fmt"
	"time"
)

// Transition names a change of a session's status. Every status change in
// checkoutd goes through Session.Apply with one of these; nothing assigns
// Status directly.
type Transition string

const (
	// TransitionExpire: open → expired (expires_at reached, or POST …/expire).
	TransitionExpire Transition = "expire"
	// TransitionPay: open → complete/paid, a payment succeeded synchronously.
	TransitionPay Transition = "pay"
	// TransitionPayAsync: open → complete/unpaid, an asynchronous method (a
	// voucher) was chosen and the money will arrive later.
	TransitionPayAsync Transition = "pay_async"
	// TransitionAsyncSucceeded: complete/unpaid → complete/paid.
	TransitionAsyncSucceeded Transition = "async_succeeded"
	// TransitionAsyncFailed: complete/unpaid stays complete/unpaid, the money never came.
	TransitionAsyncFailed Transition = "async_failed"
	// TransitionCancel: open → canceled, by the merchant or the customer.
	TransitionCancel Transition = "cancel"
)

// Event types written by session transitions.
const (
	EventSessionCompleted      = "checkout.session.completed"
	EventSessionExpired        = "checkout.session.expired"
	EventSessionCanceled       = "checkout.session.canceled"
	EventAsyncPaymentSucceeded = "checkout.session.async_payment_succeeded"
	EventAsyncPaymentFailed    = "checkout.session.async_payment_failed"
)

type state struct {
	status  SessionStatus
	payment PaymentStatus
}

type rule struct {
	from, to state
	event    string
}

// transitions is the whole state machine of a session, in one table.
var transitions = map[Transition]rule{
	TransitionExpire:         {state{SessionOpen, PaymentUnpaid}, state{SessionExpired, PaymentUnpaid}, EventSessionExpired},
	TransitionPay:            {state{SessionOpen, PaymentUnpaid}, state{SessionComplete, PaymentPaid}, EventSessionCompleted},
	TransitionPayAsync:       {state{SessionOpen, PaymentUnpaid}, state{SessionComplete, PaymentUnpaid}, EventSessionCompleted},
	TransitionAsyncSucceeded: {state{SessionComplete, PaymentUnpaid}, state{SessionComplete, PaymentPaid}, EventAsyncPaymentSucceeded},
	TransitionAsyncFailed:    {state{SessionComplete, PaymentUnpaid}, state{SessionComplete, PaymentUnpaid}, EventAsyncPaymentFailed},
	TransitionCancel:         {state{SessionOpen, PaymentUnpaid}, state{SessionCanceled, PaymentUnpaid}, EventSessionCanceled},
}

// Apply performs transition t at now on s and returns the event that records
// it; the caller must store both in one compare-and-set write (Store.Commit).
// Apply bumps Version and EventSeq, so the event's Sequence is the session's
// new EventSeq. On error s is unchanged.
//
// An open session past its expires_at can only be expired: paying it is refused
// even if no sweep has written the expiry yet, unless the paying payment
// claimed the session before (see Claim). A live claim blocks expiry.
func (s *Session) Apply(t Transition, now time.Time, eventID string) (*Event, error) {
	r, ok := transitions[t]
	if !ok {
		return nil, Errorf(KindInternal, "unknown_transition", "unknown transition %q", t)
	}
	observed := s.StatusAt(now)
	paying := t == TransitionPay || t == TransitionPayAsync
	// A payment that claimed the session while it was open may complete it
	// even if expires_at passed during the provider call.
	if t != TransitionExpire && observed != s.Status && !(paying && s.PaymentInFlight != "") {
		return nil, stateError(t, observed)
	}
	if s.Status != r.from.status || s.PaymentStatus != r.from.payment {
		return nil, stateError(t, observed)
	}
	if (t == TransitionExpire || t == TransitionCancel) && s.ClaimLive(now) {
		return nil, &Error{Kind: KindState, Code: "payment_in_progress",
			Message: "a payment for this checkout session is in progress; try again when it has finished"}
	}
	s.Status, s.PaymentStatus = r.to.status, r.to.payment
	s.PaymentInFlight, s.InFlightSince = "", time.Time{}
	s.Version++
	s.EventSeq++
	s.Updated = now
	switch r.to.status {
	case SessionComplete:
		if s.CompletedAt.IsZero() {
			s.CompletedAt = now
		}
	case SessionExpired:
		s.ExpiredAt = now
	case SessionCanceled:
		s.CanceledAt = now
	}
	return &Event{
		ID:        eventID,
		AccountID: s.AccountID,
		Livemode:  s.Livemode,
		Type:      r.event,
		Created:   now,
		Sequence:  s.EventSeq,
		ObjectID:  s.ID,
		Session:   s.Clone(),
	}, nil
}

func stateError(t Transition, observed SessionStatus) *Error {
	verb := map[Transition]string{
		TransitionExpire: "expired", TransitionPay: "paid", TransitionPayAsync: "paid",
		TransitionCancel: "canceled", TransitionAsyncSucceeded: "settled", TransitionAsyncFailed: "settled",
	}[t]
	return &Error{
		Kind:    KindState,
		Code:    "checkout_session_" + string(observed),
		Message: fmt.Sprintf("this checkout session is %s and can no longer be %s", observed, verb),
	}
}
