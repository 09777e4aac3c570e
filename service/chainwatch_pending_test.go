package service_test

import (
	"fmt"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/teststore"
	"github.com/checkoutd/checkoutd/service"
)

// TestChainWatchIgnoresOtherPayments: the watched set is the stablecoin
// payments of the watcher's mode only, so a flood of payments of another
// provider (vouchers, due like a deposit) and of stablecoin payments of the
// other mode, many more than the bound, neither cuts it short nor stalls
// the cursor: a deposit made after them is paid in one tick, on every
// store.
func TestChainWatchIgnoresOtherPayments(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st checkout.Store) {
		f := newChainFixture(t, st)
		w := f.svc.NewChainWatcher(false, f.reader, service.ChainWatchConfig{MaxWatched: 3})
		tick(t, w)
		_, tmpl := f.pay(t)
		for i := range 8 {
			voucher := tmpl.Clone()
			voucher.ID, voucher.Provider, voucher.Deposit, voucher.ProviderRef = fmt.Sprintf("pay_voucher_%d", i), "sim", nil, ""
			voucher.Version = 1
			live := tmpl.Clone()
			live.ID, live.Livemode, live.Version = fmt.Sprintf("pay_live_%d", i), true, 1
			live.ProviderRef = ""
			for _, p := range []*checkout.Payment{voucher, live} {
				if err := st.Commit(f.ctx, checkout.Change{Payment: p}); err != nil {
					t.Fatalf("Commit(%s): %v", p.ID, err)
				}
			}
		}
		_, p := f.pay(t)
		f.send(t, p, 99_990_000)
		f.chain.Mine(chainConfirmations)
		s := tick(t, w)
		if s.Truncated || s.Watched != 2 || s.Matched != 1 {
			t.Fatalf("tick %+v, want the two deposits of the mode watched, one paid, not truncated", s)
		}
		if got := f.payment(t, p.ID); got.Status != checkout.PaymentSucceeded {
			t.Fatalf("payment %s is %s, want succeeded", p.ID, got.Status)
		}
	})
}

// TestChainWatchPagesWatchedSet: a watched set of more payments than one
// page of the store's read (watchedPage) is read whole, and a transfer to
// the last payment created is found.
func TestChainWatchPagesWatchedSet(t *testing.T) {
	f := newChainFixture(t, nil)
	w := f.watcher()
	tick(t, w)
	_, tmpl := f.pay(t)
	const open = 1500
	for i := range open {
		p := tmpl.Clone()
		p.ID, p.ProviderRef, p.Version = fmt.Sprintf("%s_%04d", tmpl.ID, i), "", 1
		p.Deposit.Address = fmt.Sprintf("0x%040x", i+1)
		if err := f.store.Commit(f.ctx, checkout.Change{Payment: p}); err != nil {
			t.Fatal(err)
		}
	}
	_, last := f.pay(t)
	f.send(t, last, 99_990_000)
	f.chain.Mine(chainConfirmations)
	s := tick(t, w)
	if s.Truncated || s.Watched != open+2 || s.Matched != 1 {
		t.Fatalf("tick %+v, want %d watched, one paid", s, open+2)
	}
	if got := f.payment(t, last.ID); got.Status != checkout.PaymentSucceeded {
		t.Fatalf("payment %s is %s, want succeeded", last.ID, got.Status)
	}
}
