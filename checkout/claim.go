package checkout

import "time"

// ClaimTTL bounds how long a payment claim holds a session. A provider call
// takes seconds; a claim older than this belongs to a process that died
// mid-call, and the session is free again (the orphaned payment stays
// processing, for an operator to reconcile with the provider).
const ClaimTTL = 2 * time.Minute

// ClaimLive reports whether a payment claim holds the session at now.
func (s *Session) ClaimLive(now time.Time) bool {
	return s.PaymentInFlight != "" && now.Before(s.InFlightSince.Add(ClaimTTL))
}

// Claim reserves the session for payment paymentID before its provider is
// called. It fails unless the session is open at now and no other live claim
// holds it. Like Apply, it bumps Version: the claim is stored with a
// compare-and-set, so of two racing payments exactly one gets it.
func (s *Session) Claim(paymentID string, now time.Time) error {
	if st := s.StatusAt(now); st != SessionOpen {
		return stateError(TransitionPay, st)
	}
	if s.ClaimLive(now) && s.PaymentInFlight != paymentID {
		return &Error{Kind: KindState, Code: "payment_in_progress",
			Message: "another payment for this checkout session is in progress; wait for it to finish"}
	}
	s.PaymentInFlight, s.InFlightSince = paymentID, now
	s.Version++
	s.Updated = now
	return nil
}

// Release frees the session after a payment that did not complete it; failed
// says whether the attempt counts against the card-testing limit.
func (s *Session) Release(paymentID string, now time.Time, failed bool) {
	if s.PaymentInFlight == paymentID {
		s.PaymentInFlight, s.InFlightSince = "", time.Time{}
	}
	if failed {
		s.FailedAttempts++
	}
	s.Version++
	s.Updated = now
}
