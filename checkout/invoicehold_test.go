package checkout

import (
	"testing"
	"time"
)

// TestInvoiceHoldUntil: a hold with Until outlives ClaimTTL to then:
// another session's claim and a void are refused until it passes; the
// holding session's new claim keeps it; Keep hands it to another deadline.
func TestInvoiceHoldUntil(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	in := &Invoice{ID: "in_1", Status: InvoiceOpen}
	if err := in.Claim("cs_a", t0); err != nil {
		t.Fatal(err)
	}
	if !in.Hold("cs_a", t0.Add(time.Hour), t0) || in.Hold("cs_a", t0.Add(time.Minute), t0) {
		t.Fatal("Hold should extend once and never shorten")
	}
	if in.Hold("cs_b", t0.Add(2*time.Hour), t0) {
		t.Fatal("another session took a held invoice")
	}
	later := t0.Add(ClaimTTL + time.Minute)
	if !in.Holder.Live(later) {
		t.Fatal("the hold lapsed at ClaimTTL despite Until")
	}
	if err := in.Claim("cs_b", later); err == nil {
		t.Fatal("another session claimed a held invoice")
	}
	if err := in.Void(later); err == nil {
		t.Fatal("a held invoice was voided")
	}
	if err := in.Claim("cs_a", later); err != nil || !in.Holder.Until.Equal(t0.Add(time.Hour)) {
		t.Fatalf("the holder's new claim: %v, until %v", err, in.Holder.Until)
	}
	if !in.Keep("cs_a", t0.Add(30*time.Minute), later) || in.Keep("cs_b", t0.Add(time.Hour), later) {
		t.Fatal("Keep is the holder's only")
	}
	past := t0.Add(31 * time.Minute)
	if in.Holder.Live(past) {
		t.Fatal("the hold outlived its Until and ClaimTTL")
	}
	if err := in.Claim("cs_b", past); err != nil {
		t.Fatalf("claim after the hold passed: %v", err)
	}
}
