package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// pendingPayments: PendingPayments lists the payments of one provider in
// one mode that are not final, of every account and of no other provider
// or mode, in creation order, in pages that together list each once; a
// payment made final leaves, one created after a page was read comes in a
// later page, and the cursor holds when its own payment became final. A
// final payment with a check due (a lapsed deposit watched for a late
// transfer) stays until the check is cleared.
func (s suite) pendingPayments(t *testing.T) {
	ctx := t.Context()
	st := s.seeded(t)
	const chain = "stablecoin-test"
	n := 0
	mk := func(scope checkout.Scope, provider string, status checkout.PaymentState) *checkout.Payment {
		t.Helper()
		n++
		sess := newSession(scope, fmt.Sprintf("cs_pending_%02d", n), t0)
		create(t, st, sess)
		p := newPayment(scope, fmt.Sprintf("pay_pending_%02d", n), sess.ID, t0)
		p.Provider, p.Status = provider, status
		commit(t, st, checkout.Change{Payment: p.Clone()})
		return p
	}
	finish := func(p *checkout.Payment, status checkout.PaymentState) {
		t.Helper()
		p.Status, p.Version = status, p.Version+1
		commit(t, st, checkout.Change{Payment: p.Clone()})
	}
	read := func(provider string, livemode bool, after string, limit int) []*checkout.Payment {
		t.Helper()
		got, err := st.PendingPayments(ctx, provider, livemode, after, limit)
		if err != nil {
			t.Fatalf("PendingPayments(%s, %v, %q, %d): %v", provider, livemode, after, limit, err)
		}
		return got
	}
	requires, processing := checkout.PaymentRequiresAction, checkout.PaymentProcessing

	// Interleaved: the chain's test-mode payments of two accounts, its
	// live ones, another provider's, and final ones of each.
	var want, wantLive []*checkout.Payment
	for i := range 4 {
		want = append(want, mk(scopeA, chain, requires))
		mk(scopeB, "sim", processing)
		wantLive = append(wantLive, mk(scopeALive, chain, requires))
		want = append(want, mk(scopeB, chain, processing))
		mk(scopeA, chain, []checkout.PaymentState{checkout.PaymentSucceeded, checkout.PaymentFailed, checkout.PaymentCanceled, checkout.PaymentSucceeded}[i])
		// Pending at first, then final: it leaves.
		finish(mk(scopeB, chain, requires), checkout.PaymentFailed)
	}

	got := read(chain, false, "", 100)
	wantIDs(t, "pending, one page", paymentIDs(got), paymentIDs(want))
	if len(got) == len(want) {
		checkPayment(t, "pending payment", got[1], want[1])
	}
	wantIDs(t, "pending live", paymentIDs(read(chain, true, "", 100)), paymentIDs(wantLive))
	wantIDs(t, "pending of a provider without any", paymentIDs(read("nobody", false, "", 100)), nil)
	if got := read(chain, false, "", 0); len(got) != 0 {
		t.Errorf("limit 0: got %v, want nothing", paymentIDs(got))
	}

	// Pages of 3: the first is read; then the last payment it listed and
	// one still to come become final, and a payment is created. The next
	// pages go on after the cursor and list the new one, not the final.
	page := read(chain, false, "", 3)
	wantIDs(t, "first page", paymentIDs(page), paymentIDs(want[:3]))
	if len(page) != 3 {
		t.FailNow()
	}
	finish(want[2], checkout.PaymentSucceeded)
	finish(want[5], checkout.PaymentCanceled)
	late := mk(scopeA, chain, processing)
	listed := paymentIDs(page)
	for after := page[len(page)-1].ID; ; {
		page = read(chain, false, after, 3)
		if len(page) == 0 {
			break
		}
		listed = append(listed, paymentIDs(page)...)
		after = page[len(page)-1].ID
		if len(listed) > 2*len(want) {
			t.Fatalf("the pages go on: %v", listed)
		}
	}
	rest := slices.Concat(want[3:5], want[6:], []*checkout.Payment{late})
	wantIDs(t, "pages", listed, append(paymentIDs(want[:3]), paymentIDs(rest)...))
	wantIDs(t, "pending after the changes", paymentIDs(read(chain, false, "", 100)),
		paymentIDs(slices.Concat(want[:2], want[3:5], want[6:], []*checkout.Payment{late})))

	// Failed with a check due: it stays, in its place, until the check is
	// cleared.
	lapsed := want[0]
	lapsed.Status, lapsed.CheckAt, lapsed.Version = checkout.PaymentFailed, t0.Add(72*time.Hour), lapsed.Version+1
	commit(t, st, checkout.Change{Payment: lapsed.Clone()})
	got = read(chain, false, "", 100)
	wantIDs(t, "pending with a lapsed one checked", paymentIDs(got),
		paymentIDs(slices.Concat(want[:2], want[3:5], want[6:], []*checkout.Payment{late})))
	if len(got) > 0 {
		checkPayment(t, "lapsed payment", got[0], lapsed)
	}
	lapsed.CheckAt, lapsed.Version = time.Time{}, lapsed.Version+1
	commit(t, st, checkout.Change{Payment: lapsed.Clone()})
	wantIDs(t, "pending with the check cleared", paymentIDs(read(chain, false, "", 100)),
		paymentIDs(slices.Concat(want[1:2], want[3:5], want[6:], []*checkout.Payment{late})))

	// A cursor that is no payment of this provider and mode is unknown.
	var e *checkout.Error
	for _, after := range []string{"pay_none", wantLive[0].ID, "pay_pending_02"} {
		_, err := st.PendingPayments(ctx, chain, false, after, 10)
		if !checkout.IsKind(err, checkout.KindNotFound) || !errors.As(err, &e) || e.Param != "after" {
			t.Errorf("PendingPayments(after=%s): %v, want not found naming after", after, err)
		}
	}
}
