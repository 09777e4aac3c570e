package service

import (
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestDevicePushOf: the push state from a session's payments, the newest
// in_store one deciding; an in_store-only open session with none was
// refused its push at creation (device_push_failed).
func TestDevicePushOf(t *testing.T) {
	inStore := &checkout.Session{Status: checkout.SessionOpen, CompanionDevice: "dev_1", PaymentMethodTypes: []string{"in_store"}}
	both := &checkout.Session{Status: checkout.SessionOpen, CompanionDevice: "dev_1", PaymentMethodTypes: []string{"card", "in_store"}}
	noDevice := &checkout.Session{Status: checkout.SessionOpen, PaymentMethodTypes: []string{"card"}}
	expired := &checkout.Session{Status: checkout.SessionExpired, CompanionDevice: "dev_1", PaymentMethodTypes: []string{"in_store"}}
	card := &checkout.Payment{Method: checkout.MethodCard, Status: checkout.PaymentFailed, FailureCode: "card_declined"}
	waiting := &checkout.Payment{Method: checkout.MethodInStore, Status: checkout.PaymentRequiresAction}
	timedOut := &checkout.Payment{Method: checkout.MethodInStore, Status: checkout.PaymentFailed, FailureCode: "device_timeout", FailureMessage: "no answer"}
	revoked := &checkout.Payment{Method: checkout.MethodInStore, Status: checkout.PaymentCanceled, FailureCode: "device_revoked", FailureMessage: "revoked"}
	paid := &checkout.Payment{ID: "pay_paid", Method: checkout.MethodInStore, Status: checkout.PaymentSucceeded}
	paidBy := &checkout.Session{Status: checkout.SessionComplete, CompanionDevice: "dev_1", PaymentMethodTypes: []string{"in_store"}, Payment: "pay_paid"}
	refunded := &checkout.Payment{ID: "pay_late", Method: checkout.MethodInStore, Status: checkout.PaymentSucceeded}
	for _, c := range []struct {
		name     string
		sess     *checkout.Session
		payments []*checkout.Payment
		status   string // "" for none
		code     string
	}{
		{"NoDevice", noDevice, nil, "", ""},
		{"NotChosenYet", both, []*checkout.Payment{card}, "", ""},
		{"RefusedAtCreation", inStore, nil, PushFailed, notPushedCode},
		{"OverWithoutPush", expired, nil, "", ""},
		{"Waiting", inStore, []*checkout.Payment{waiting}, PushPending, ""},
		{"NewestDecides", inStore, []*checkout.Payment{waiting, timedOut}, PushPending, ""},
		{"TimedOut", both, []*checkout.Payment{card, timedOut, paid}, PushFailed, "device_timeout"},
		{"Canceled", inStore, []*checkout.Payment{revoked}, PushFailed, "device_revoked"},
		{"Succeeded", paidBy, []*checkout.Payment{paid}, PushSucceeded, ""},
		{"SucceededAfterCallOff", paidBy, []*checkout.Payment{refunded, paid}, PushFailed, lateRefundedCode},
		{"SucceededNotTheSessions", inStore, []*checkout.Payment{paid}, PushFailed, lateRefundedCode},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := devicePushOf(c.sess, c.payments)
			switch {
			case c.status == "" && got != nil:
				t.Fatalf("got %+v, want none", got)
			case c.status == "":
			case got == nil || got.Status != c.status || got.FailureCode != c.code || (c.status == PushFailed) != (got.FailureMessage != ""):
				t.Fatalf("got %+v, want %s %s", got, c.status, c.code)
			}
		})
	}
}
