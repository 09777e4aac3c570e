package service_test

import (
	"strings"
	"testing"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/internal/evm"
)

// TestChainWatchSharedAddressCreditsNeither: two pending payments waiting
// at one address (data from before the key's counter was shared) — a
// transfer there credits neither, and the watcher logs an error naming
// both.
func TestChainWatchSharedAddressCreditsNeither(t *testing.T) {
	f := newChainFixture(t, nil)
	addr, err := evm.ParseAddress("0x00000000000000000000000000000000000a11ce")
	if err != nil {
		t.Fatal(err)
	}
	f.prov.addr = &addr
	w := f.watcher()
	tick(t, w)
	_, p1 := f.pay(t)
	_, p2 := f.pay(t)
	f.send(t, p1, 99_990_000)
	f.chain.Mine(chainConfirmations)
	if st := tick(t, w); st.Matched != 0 || st.Applied != 0 {
		t.Fatalf("tick %+v, want nothing credited", st)
	}
	for _, id := range []string{p1.ID, p2.ID} {
		if got := f.payment(t, id); got.Status != checkout.PaymentRequiresAction || len(got.Deposit.Transfers) != 0 {
			t.Errorf("payment %s: %s %+v, want waiting with no transfer", id, got.Status, got.Deposit.Transfers)
		}
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "two payments wait at one deposit address") || !strings.Contains(logs, p1.ID) || !strings.Contains(logs, p2.ID) {
		t.Errorf("no error naming both payments in the log:\n%s", logs)
	}
}
