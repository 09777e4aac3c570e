package service

import (
	"context"
	"slices"

	"github.com/checkoutd/checkoutd/checkout"
)

// What became of a session's push to its in-store device, in the session's
// answers (canonical device_push, seed 002's devicePush): an in_store-only
// session is pushed at creation, and a push that failed there leaves the
// session open with nothing else saying so. It is read from the session's
// newest in_store payment; null for a session without a device, or not
// pushed yet (one with other methods, until in_store is chosen). Event
// snapshots carry null: it is not part of the stored session.

// DevicePushState is a push's outcome in neither dialect's casing.
type DevicePushState struct {
	Status                      string // pending, succeeded or failed
	FailureCode, FailureMessage string
}

// Push states.
const (
	PushPending   = "pending"
	PushSucceeded = "succeeded"
	PushFailed    = "failed"
)

// notPushedCode is the failure of an in_store-only session that has no
// in_store payment: the push at its creation was refused before one was
// recorded (its device no longer active, no provider for in_store).
const notPushedCode = "device_push_failed"

// lateRefundedCode is the failure of a push whose payment succeeded after
// checkoutd had called it off: recorded, and refunded in full.
const lateRefundedCode = "refunded_late"

// devicePushOf is sess's push, from its payments (newest first); nil when
// there is none to speak of.
func devicePushOf(sess *checkout.Session, payments []*checkout.Payment) *DevicePushState {
	if sess.CompanionDevice == "" || !slices.Contains(sess.PaymentMethodTypes, string(checkout.MethodInStore)) {
		return nil
	}
	for _, p := range payments {
		if p.Method != checkout.MethodInStore {
			continue
		}
		switch {
		case p.Status == checkout.PaymentSucceeded && p.ID == sess.Payment:
			return &DevicePushState{Status: PushSucceeded}
		case p.Status == checkout.PaymentSucceeded:
			// A success the session could no longer take (its push was
			// called off, or another payment paid it): refunded in full,
			// so the push did not pay.
			return &DevicePushState{Status: PushFailed, FailureCode: lateRefundedCode,
				FailureMessage: "The payment at the counter succeeded after it was called off; it was refunded in full."}
		case p.Status.Final(): // failed or canceled: declined, timed out, called off, or the provider refused it
			return &DevicePushState{Status: PushFailed, FailureCode: p.FailureCode, FailureMessage: p.FailureMessage}
		}
		return &DevicePushState{Status: PushPending}
	}
	if len(sess.PaymentMethodTypes) == 1 && sess.Status == checkout.SessionOpen {
		return &DevicePushState{Status: PushFailed, FailureCode: notPushedCode,
			FailureMessage: "The session could not be pushed to its in-store device; it stays open. The server's log says why."}
	}
	return nil
}

// DevicePush is what became of sess's push to its device, read from its
// payments; nil when there is none to speak of. A store error is logged
// and reads as no push.
func (s *Service) DevicePush(ctx context.Context, sess *checkout.Session) *DevicePushState {
	if sess.CompanionDevice == "" || !slices.Contains(sess.PaymentMethodTypes, string(checkout.MethodInStore)) {
		return nil
	}
	page, err := s.store.ListPayments(ctx, sess.Scope(), checkout.PaymentFilter{ListParams: checkout.ListParams{Limit: 10}, SessionID: sess.ID})
	if err != nil {
		s.log.Error("reading a session's device push failed", "session", sess.ID, "err", err)
		return nil
	}
	return devicePushOf(sess, page.Items)
}
