package checkout_test

import (
	"strings"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func openSession() *checkout.Session {
	return &checkout.Session{
		ID: "cs_1", AccountID: "acct_1", Status: checkout.SessionOpen, PaymentStatus: checkout.PaymentUnpaid,
		Version: 1, Created: t0, Updated: t0, ExpiresAt: t0.Add(time.Hour), Metadata: map[string]string{"a": "b"},
	}
}

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name      string
		from      checkout.SessionStatus
		fromPay   checkout.PaymentStatus
		tr        checkout.Transition
		at        time.Time
		to        checkout.SessionStatus
		toPay     checkout.PaymentStatus
		event     string
		wantError string
	}{
		{"ExpireOpen", checkout.SessionOpen, checkout.PaymentUnpaid, checkout.TransitionExpire, t0, checkout.SessionExpired, checkout.PaymentUnpaid, checkout.EventSessionExpired, ""},
		{"ExpireOpenPastDue", checkout.SessionOpen, checkout.PaymentUnpaid, checkout.TransitionExpire, t0.Add(2 * time.Hour), checkout.SessionExpired, checkout.PaymentUnpaid, checkout.EventSessionExpired, ""},
		{"PayOpen", checkout.SessionOpen, checkout.PaymentUnpaid, checkout.TransitionPay, t0, checkout.SessionComplete, checkout.PaymentPaid, checkout.EventSessionCompleted, ""},
		{"PayAsync", checkout.SessionOpen, checkout.PaymentUnpaid, checkout.TransitionPayAsync, t0, checkout.SessionComplete, checkout.PaymentUnpaid, checkout.EventSessionCompleted, ""},
		{"AsyncSucceeded", checkout.SessionComplete, checkout.PaymentUnpaid, checkout.TransitionAsyncSucceeded, t0, checkout.SessionComplete, checkout.PaymentPaid, checkout.EventAsyncPaymentSucceeded, ""},
		{"AsyncFailed", checkout.SessionComplete, checkout.PaymentUnpaid, checkout.TransitionAsyncFailed, t0, checkout.SessionComplete, checkout.PaymentUnpaid, checkout.EventAsyncPaymentFailed, ""},
		{"Cancel", checkout.SessionOpen, checkout.PaymentUnpaid, checkout.TransitionCancel, t0, checkout.SessionCanceled, checkout.PaymentUnpaid, checkout.EventSessionCanceled, ""},
		{"PayPastDue", checkout.SessionOpen, checkout.PaymentUnpaid, checkout.TransitionPay, t0.Add(time.Hour), "", "", "", "checkout_session_expired"},
		{"ExpireComplete", checkout.SessionComplete, checkout.PaymentPaid, checkout.TransitionExpire, t0, "", "", "", "checkout_session_complete"},
		{"ExpireExpired", checkout.SessionExpired, checkout.PaymentUnpaid, checkout.TransitionExpire, t0, "", "", "", "checkout_session_expired"},
		{"PayComplete", checkout.SessionComplete, checkout.PaymentPaid, checkout.TransitionPay, t0, "", "", "", "checkout_session_complete"},
		{"PayCanceled", checkout.SessionCanceled, checkout.PaymentUnpaid, checkout.TransitionPay, t0, "", "", "", "checkout_session_canceled"},
		{"AsyncSucceededTwice", checkout.SessionComplete, checkout.PaymentPaid, checkout.TransitionAsyncSucceeded, t0, "", "", "", "checkout_session_complete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openSession()
			s.Status, s.PaymentStatus = tc.from, tc.fromPay
			before := *s
			ev, err := s.Apply(tc.tr, tc.at, "evt_1")
			if tc.wantError != "" {
				if checkout.ErrorKind(err) != checkout.KindState || err.(*checkout.Error).Code != tc.wantError {
					t.Fatalf("err = %v, want state error %s", err, tc.wantError)
				}
				if s.Status != before.Status || s.Version != before.Version || s.EventSeq != before.EventSeq {
					t.Fatal("a refused transition changed the session")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != tc.to || s.PaymentStatus != tc.toPay {
				t.Fatalf("now %s/%s, want %s/%s", s.Status, s.PaymentStatus, tc.to, tc.toPay)
			}
			if s.Version != 2 || s.EventSeq != 1 || !s.Updated.Equal(tc.at) {
				t.Fatalf("version %d seq %d updated %v", s.Version, s.EventSeq, s.Updated)
			}
			if ev.Type != tc.event || ev.Sequence != 1 || ev.ObjectID != s.ID || ev.ID != "evt_1" || ev.Session.Status != tc.to {
				t.Fatalf("event %+v", ev)
			}
			// The snapshot does not follow later changes.
			s.Metadata["a"] = "changed"
			if ev.Session.Metadata["a"] != "b" {
				t.Fatal("event snapshot shares memory with the session")
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	s := openSession()
	if got := s.StatusAt(s.ExpiresAt.Add(-time.Microsecond)); got != checkout.SessionOpen {
		t.Errorf("just before expiry: %s", got)
	}
	if got := s.StatusAt(s.ExpiresAt); got != checkout.SessionExpired {
		t.Errorf("at expires_at: %s", got)
	}
	obs := s.Observed(s.ExpiresAt)
	if obs.Status != checkout.SessionExpired || s.Status != checkout.SessionOpen {
		t.Errorf("Observed changed the stored session or missed the expiry")
	}
	s.Status, s.PaymentStatus = checkout.SessionComplete, checkout.PaymentPaid
	if got := s.StatusAt(s.ExpiresAt.Add(time.Hour)); got != checkout.SessionComplete {
		t.Errorf("a complete session past expires_at reads as %s", got)
	}
}

func TestRandomIDs(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := range 1000 {
		id := checkout.RandomIDs{}.New("cs")
		if len(id) != 3+8+22 || id[:3] != "cs_" || seen[id] || strings.Trim(id[3:], base62) != "" {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		// The time part never goes back, so ids sort in the order they were made.
		if id[:11] < prev {
			t.Fatalf("id %d %q sorts before the one made before it, %q", i, id, prev)
		}
		prev = id[:11]
		if i%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	// The random part is not the same in ids made in the same millisecond.
	a, b := checkout.RandomIDs{}.New("x"), checkout.RandomIDs{}.New("x")
	if a[10:] == b[10:] {
		t.Errorf("two ids with the same random part: %q, %q", a, b)
	}
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func TestRandomStringAlphabet(t *testing.T) {
	counts := map[rune]int{}
	for range 200 {
		s := checkout.RandomString(31)
		if len(s) != 31 || strings.Trim(s, base62) != "" {
			t.Fatalf("RandomString(31) = %q", s)
		}
		for _, c := range s {
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Errorf("%d distinct characters in 6200 draws, want all 62", len(counts))
	}
}

func TestClaim(t *testing.T) {
	s := openSession()
	if err := s.Claim("pay_1", t0); err != nil {
		t.Fatal(err)
	}
	if s.Version != 2 || !s.ClaimLive(t0) {
		t.Fatalf("claim not taken: %+v", s)
	}
	if err := s.Claim("pay_2", t0.Add(time.Second)); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("second claim: %v", err)
	}
	if _, err := s.Apply(checkout.TransitionExpire, t0.Add(time.Second), "evt"); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("expired under a live claim: %v", err)
	}
	// The claim was taken while open: the payment completes even past expires_at.
	ev, err := s.Apply(checkout.TransitionPay, s.ExpiresAt.Add(time.Second), "evt_1")
	if err != nil || ev == nil || s.PaymentInFlight != "" || s.Status != checkout.SessionComplete {
		t.Fatalf("pay under claim: %v %+v", err, s)
	}

	s = openSession()
	s.Claim("pay_1", t0)
	// A stale claim (its process died) frees the session.
	if err := s.Claim("pay_2", t0.Add(checkout.ClaimTTL)); err != nil || s.PaymentInFlight != "pay_2" {
		t.Fatalf("stale claim not replaced: %v", err)
	}
	s.Release("pay_2", t0.Add(checkout.ClaimTTL), true)
	if s.PaymentInFlight != "" || s.FailedAttempts != 1 {
		t.Fatalf("release: %+v", s)
	}
	if err := openSession().Claim("pay_3", t0.Add(2*time.Hour)); checkout.ErrorKind(err) != checkout.KindState {
		t.Fatalf("claimed an expired session: %v", err)
	}
}
