package stripe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	stripeapi "github.com/stripe/stripe-go/v85"
)

// stripe-mock answers every call with the same fixture, so the mapping of
// each PaymentIntent status is tested on fixtures: Stripe's own
// PaymentIntent (stripe-mock's) in each status.
func TestResultMapsEachStatus(t *testing.T) {
	for _, c := range []struct {
		file       string
		status     checkout.PaymentState
		code, msg  string
		withSecret bool
	}{
		{"pi_succeeded.json", checkout.PaymentSucceeded, "", "", false},
		{"pi_processing.json", checkout.PaymentProcessing, "", "", false},
		{"pi_requires_confirmation.json", checkout.PaymentProcessing, "", "", false},
		{"pi_requires_action.json", checkout.PaymentRequiresAction, "", "", true},
		{"pi_requires_payment_method.json", checkout.PaymentFailed, "insufficient_funds", "Your card has insufficient funds.", false},
		{"pi_authentication_failed.json", checkout.PaymentFailed, "payment_intent_authentication_failure", "We are unable to authenticate your payment method. Please choose a different payment method and try again.", false},
		{"pi_canceled.json", checkout.PaymentFailed, "canceled_abandoned", "The payment was canceled.", false},
	} {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			var pi stripeapi.PaymentIntent
			if err := json.Unmarshal(b, &pi); err != nil {
				t.Fatal(err)
			}
			res := result(&pi)
			if res.Status != c.status || res.FailureCode != c.code || res.FailureMessage != c.msg || res.ProviderRef != "pi_3MtwBwLkdIwHu7ix28a3tqPa" {
				t.Fatalf("result %+v", res)
			}
			if c.withSecret != (res.Action != nil) {
				t.Fatalf("action %+v", res.Action)
			}
			if c.withSecret && (res.Action.Kind != checkout.NextActionClientSecret || res.Action.ClientSecret.Secret != pi.ClientSecret || pi.ClientSecret == "") {
				t.Fatalf("action %+v %+v", res.Action, res.Action.ClientSecret)
			}
		})
	}
}

func TestDeclineWithoutDetails(t *testing.T) {
	pi := &stripeapi.PaymentIntent{ID: "pi_1", Status: stripeapi.PaymentIntentStatusRequiresPaymentMethod}
	if res := result(pi); res.Status != checkout.PaymentFailed || res.FailureCode != "card_declined" || res.FailureMessage == "" {
		t.Fatalf("%+v", res)
	}
	pi.LastPaymentError = &stripeapi.Error{Code: "expired_card", Msg: "Your card has expired."}
	if res := result(pi); res.FailureCode != "expired_card" || res.FailureMessage != "Your card has expired." {
		t.Fatalf("%+v", res)
	}
}

func TestRefundStatuses(t *testing.T) {
	for status, want := range map[stripeapi.RefundStatus]checkout.RefundStatus{
		"succeeded": checkout.RefundSucceeded, "pending": checkout.RefundPending, "requires_action": checkout.RefundPending,
		"failed": checkout.RefundFailed, "canceled": checkout.RefundFailed,
	} {
		r := refundResult(&stripeapi.Refund{ID: "re_1", Status: status, Amount: 300, FailureReason: "expired_or_canceled_card"}, "EUR")
		if r.Status != want || r.ProviderRef != "re_1" || r.Amount != 300 {
			t.Errorf("%s: %+v", status, r)
		}
		if want == checkout.RefundFailed && r.FailureCode != "expired_or_canceled_card" {
			t.Errorf("%s: %+v", status, r)
		}
	}
	// A refund checkoutd made names it; the tenant's own refunds do not.
	if r := refundResult(&stripeapi.Refund{ID: "re_2", Status: "succeeded", Metadata: map[string]string{MetaRefund: "checkoutd_re_abc"}}, "EUR"); r.RefundID != "re_abc" {
		t.Errorf("checkoutd's refund: %+v", r)
	}
	if r := refundResult(&stripeapi.Refund{ID: "re_3", Status: "succeeded", Metadata: map[string]string{MetaRefund: "mine"}}, "EUR"); r.RefundID != "" {
		t.Errorf("another refund: %+v", r)
	}
}

// MGA and ISK are counted differently by Stripe and by ISO 4217.
func TestAmounts(t *testing.T) {
	for _, c := range []struct {
		amount int64
		cur    checkout.Currency
		want   int64
		bad    bool
	}{
		{5000, "EUR", 5000, false}, {500, "JPY", 500, false}, {1500, "KWD", 1500, false},
		{500, "ISK", 50000, false}, {12300, "MGA", 123, false}, {12345, "MGA", 0, true},
	} {
		got, err := toStripe(c.amount, c.cur)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("toStripe(%d %s) = %d, %v", c.amount, c.cur, got, err)
		}
		if !c.bad && fromStripe(got, c.cur) != c.amount {
			t.Errorf("fromStripe(%d %s) = %d", got, c.cur, fromStripe(got, c.cur))
		}
	}
}
