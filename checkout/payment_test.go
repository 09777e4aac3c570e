package checkout_test

import (
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// TestPaymentDue: the check when one is set (before the deadline, or the
// reconciler's claim after it), else the deadline of an action awaited;
// once final, only the check (a pending refund to ask about), never the
// action's deadline.
func TestPaymentDue(t *testing.T) {
	t0 := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	deadline, check := t0.Add(time.Hour), t0.Add(10*time.Minute)
	action := &checkout.NextAction{Kind: checkout.NextActionVoucher, ExpiresAt: deadline}
	for _, tc := range []struct {
		name   string
		status checkout.PaymentState
		action *checkout.NextAction
		check  time.Time
		want   time.Time
	}{
		{"voucher, no check", checkout.PaymentRequiresAction, action, time.Time{}, deadline},
		{"voucher, check first", checkout.PaymentRequiresAction, action, check, check},
		{"voucher, claimed after its deadline", checkout.PaymentRequiresAction, action, deadline.Add(2 * time.Minute), deadline.Add(2 * time.Minute)},
		{"action without a deadline", checkout.PaymentRequiresAction, &checkout.NextAction{Kind: checkout.NextActionRedirect}, time.Time{}, time.Time{}},
		{"processing, checked", checkout.PaymentProcessing, nil, check, check},
		{"processing keeps no deadline", checkout.PaymentProcessing, action, time.Time{}, time.Time{}},
		{"final, a refund to ask about", checkout.PaymentSucceeded, action, check, check},
		{"final, nothing to ask", checkout.PaymentSucceeded, action, time.Time{}, time.Time{}},
		{"failed keeps no deadline", checkout.PaymentFailed, action, time.Time{}, time.Time{}},
	} {
		p := &checkout.Payment{Status: tc.status, Action: tc.action, CheckAt: tc.check}
		if got := p.Due(); !got.Equal(tc.want) {
			t.Errorf("%s: Due = %v, want %v", tc.name, got, tc.want)
		}
	}
}
