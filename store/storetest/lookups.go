package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// sessionByToken: a session is found by its public token alone, whatever
// its scope (the customer's page carries no key); tokens are unique.
func (s suite) sessionByToken(t *testing.T) {
	st := s.seeded(t)
	ctx := t.Context()
	a, b := newSession(scopeA, "cs_tok_a", t0), newSession(scopeB, "cs_tok_b", t0)
	create(t, st, a, b)

	for _, want := range []*checkout.Session{a, b} {
		got, err := st.FindSessionByToken(ctx, want.PublicToken)
		if err != nil {
			t.Fatalf("FindSessionByToken(%s): %v", want.PublicToken, err)
		}
		checkSession(t, "found by token", got, want)
	}
	for _, tok := range append([]string{"", "pt_unknown", a.ID, "pt_cs_tok_a\x00", "PT_CS_TOK_A"}, hostileIDs...) {
		_, err := st.FindSessionByToken(ctx, tok)
		wantKind(t, fmt.Sprintf("FindSessionByToken(%q)", tok), err, checkout.KindNotFound)
	}

	// The token survives the session's writes.
	transition(t, st, scopeA, a.ID, checkout.TransitionExpire, t0.Add(time.Minute), nil)
	got, err := st.FindSessionByToken(ctx, a.PublicToken)
	if err != nil || got.Status != checkout.SessionExpired {
		t.Errorf("FindSessionByToken after a transition: %v, %v; want the expired session", got, err)
	}

	// Unique: another session may not take a token in use.
	dup := newSession(scopeA, "cs_tok_dup", t0)
	dup.PublicToken = b.PublicToken
	wantKind(t, "CreateSession with another session's token", st.CreateSession(ctx, dup), checkout.KindConflict)
	if _, err := st.FindSession(ctx, dup.ID); !checkout.IsKind(err, checkout.KindNotFound) {
		t.Errorf("FindSession(%s) after its refused create: %v, want not found", dup.ID, err)
	}
	c := newSession(scopeA, "cs_tok_c", t0)
	create(t, st, c)
	c2 := c.Clone()
	c2.Version, c2.PublicToken = 2, b.PublicToken
	wantKind(t, "Commit giving a session another's token", st.Commit(ctx, checkout.Change{Session: c2}), checkout.KindConflict)
	if got, err := st.FindSessionByToken(ctx, b.PublicToken); err != nil || got.ID != b.ID {
		t.Errorf("FindSessionByToken(%s) after the refused commit: %v, %v; want %s", b.PublicToken, got, err, b.ID)
	}

	// A session given a new token is found by it, and no longer by the old.
	c2.PublicToken = "pt_new"
	commit(t, st, checkout.Change{Session: c2})
	if got, err := st.FindSessionByToken(ctx, "pt_new"); err != nil || got.ID != c.ID {
		t.Errorf("FindSessionByToken(pt_new): %v, %v; want %s", got, err, c.ID)
	}
	_, err = st.FindSessionByToken(ctx, c.PublicToken)
	wantKind(t, "FindSessionByToken of the token given up", err, checkout.KindNotFound)
}

// paymentByRef: a payment is found by its provider's reference alone,
// whatever its scope (a gateway's callback names only that), once the
// reference is set, whether at the insert or by a later write.
func (s suite) paymentByRef(t *testing.T) {
	st := s.seeded(t)
	ctx := t.Context()
	sess := newSession(scopeA, "cs_ref", t0)
	create(t, st, sess)

	withRef := newPayment(scopeA, "pay_ref_1", sess.ID, t0)
	withRef.ProviderRef = "ch_1"
	later := newPayment(scopeB, "pay_ref_2", "cs_other", t0)
	insertPayments(t, st, withRef, later)

	find := func(provider, ref string) (*checkout.Payment, error) {
		t.Helper()
		return st.FindPaymentByRef(ctx, provider, ref)
	}
	got, err := find("sim", "ch_1")
	if err != nil {
		t.Fatalf("FindPaymentByRef(sim, ch_1): %v", err)
	}
	checkPayment(t, "found by ref", got, withRef)

	for _, c := range [][2]string{{"sim", ""}, {"", ""}, {"sim", "ch_unknown"}, {"other", "ch_1"}, {"", "ch_1"}, {"sim", "CH_1"}, {"sim", "ch_1\x00"}} {
		_, err := find(c[0], c[1])
		wantKind(t, fmt.Sprintf("FindPaymentByRef(%q, %q)", c[0], c[1]), err, checkout.KindNotFound)
	}
	for _, h := range hostileIDs {
		_, err := find("sim", h)
		wantKind(t, fmt.Sprintf("FindPaymentByRef(sim, %q)", h), err, checkout.KindNotFound)
		_, err = find(h, "ch_1")
		wantKind(t, fmt.Sprintf("FindPaymentByRef(%q, ch_1)", h), err, checkout.KindNotFound)
	}

	// The reference set by a later write, as the provider's answer comes.
	_, err = find("sim", "ch_2")
	wantKind(t, "FindPaymentByRef before the ref is set", err, checkout.KindNotFound)
	next := later.Clone()
	next.Version, next.ProviderRef, next.Status = 2, "ch_2", checkout.PaymentSucceeded
	commit(t, st, checkout.Change{Payment: next})
	got, err = find("sim", "ch_2")
	if err != nil {
		t.Fatalf("FindPaymentByRef(sim, ch_2) after the update: %v", err)
	}
	checkPayment(t, "found by the ref of an update", got, next)

	// The same reference at another provider is another payment's.
	other := newPayment(scopeA, "pay_ref_3", sess.ID, t0)
	other.Provider, other.ProviderRef = "stripe", "ch_1"
	insertPayments(t, st, other)
	if got, err := find("stripe", "ch_1"); err != nil || got.ID != other.ID {
		t.Errorf("FindPaymentByRef(stripe, ch_1): %v, %v; want %s", got, err, other.ID)
	}
	if got, err := find("sim", "ch_1"); err != nil || got.ID != withRef.ID {
		t.Errorf("FindPaymentByRef(sim, ch_1) after another provider's: %v, %v; want %s", got, err, withRef.ID)
	}

	// Should two payments carry one reference, the newest is found.
	dup := newPayment(scopeA, "pay_ref_4", sess.ID, t0.Add(time.Second))
	dup.ProviderRef = "ch_1"
	insertPayments(t, st, dup)
	if got, err := find("sim", "ch_1"); err != nil || got.ID != dup.ID {
		t.Errorf("FindPaymentByRef(sim, ch_1) with two payments: %v, %v; want the newer %s", got, err, dup.ID)
	}
	// and an update of the older one does not make it the newest.
	older := withRef.Clone()
	older.Version, older.Status = 2, checkout.PaymentSucceeded
	commit(t, st, checkout.Change{Payment: older})
	if got, err := find("sim", "ch_1"); err != nil || got.ID != dup.ID {
		t.Errorf("FindPaymentByRef(sim, ch_1) after the older one's update: %v, %v; want %s", got, err, dup.ID)
	}
}

// UpgradedLookups checks a store opened over a database an older version
// wrote, holding sess and pay: the new lookups find both (the upgrade
// indexed the rows it found), a session token is unique from now on (dup,
// a new session carrying sess's token, is refused), and the generic
// objects are there to use, none yet.
func UpgradedLookups(t *testing.T, st checkout.Store, sess *checkout.Session, pay *checkout.Payment, dup *checkout.Session) {
	t.Helper()
	ctx := t.Context()
	got, err := st.FindSessionByToken(ctx, sess.PublicToken)
	if err != nil || got.ID != sess.ID {
		t.Errorf("FindSessionByToken after the upgrade: %v, %v; want %s", got, err, sess.ID)
	}
	p, err := st.FindPaymentByRef(ctx, pay.Provider, pay.ProviderRef)
	if err != nil || p.ID != pay.ID {
		t.Errorf("FindPaymentByRef after the upgrade: %v, %v; want %s", p, err, pay.ID)
	}
	dup.PublicToken = sess.PublicToken
	if err := st.CreateSession(ctx, dup); !checkout.IsKind(err, checkout.KindConflict) {
		t.Errorf("CreateSession with the old session's token: %v, want a conflict", err)
	}
	if page, err := st.ListObjects(ctx, sess.Scope(), "any_kind", checkout.ListParams{Limit: 10}); err != nil || len(page.Items) != 0 {
		t.Errorf("ListObjects after the upgrade: %v, %v; want none", page.Items, err)
	}
}
