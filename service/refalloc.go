package service

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// refCASRetries bounds the compare-and-set retries of one allocation: every
// payment of an account through a numbering provider advances the same
// counter, so under load an allocation may lose many races in a row, and
// each loss is cheap (one read, one write).
const refCASRetries = 100

// refAllocator is the checkout.RefAllocator the service hands a provider
// for one payment: counters of the payment's account and mode, under the
// provider's name.
type refAllocator struct {
	s        *Service
	scope    checkout.Scope
	provider string
}

var _ checkout.RefAllocator = refAllocator{}

// Refs returns the reference allocator of provider in scope: what Pay puts
// in a StartRequest, so a provider that numbers its own references (Ifthenpay
// offline) keeps its counter in the store without knowing of it.
func (s *Service) Refs(scope checkout.Scope, provider string) checkout.RefAllocator {
	return refAllocator{s: s, scope: scope, provider: provider}
}

// SharedRefs returns the reference allocator of provider whose counters
// are shared by every account and mode (checkout.SharedRefScope): what Pay
// puts in a StartRequest for values that must be unique across accounts,
// such as the derivation indexes of a key two accounts may both use.
func (s *Service) SharedRefs(provider string) checkout.RefAllocator {
	return refAllocator{s: s, scope: checkout.SharedRefScope, provider: provider}
}

// Next implements checkout.RefAllocator. The counter is a stored object
// advanced with a compare-and-set: of two payments racing for a value one
// wins and the other reloads and takes the next, so no value is handed out
// twice by one advance. Values inUse reports (references still awaiting
// their payment, after the counter wrapped) are skipped.
func (a refAllocator) Next(ctx context.Context, key string, modulo int, inUse func(n int) bool) (int, error) {
	if modulo <= 0 {
		return 0, checkout.Errorf(checkout.KindInternal, "ref_modulo", "reference counter %q: modulo %d is not positive", key, modulo)
	}
	var n int
	err := retryCASN(refCASRetries, func() error {
		c, err := a.load(ctx, key)
		if err != nil {
			return err
		}
		start := ((c.Next % modulo) + modulo) % modulo
		found := false
		for i := 0; i < modulo; i++ {
			if n = (start + i) % modulo; !inUse(n) {
				found = true
				break
			}
		}
		if !found {
			return checkout.Errorf(checkout.KindState, "references_exhausted",
				"every one of the %d references of %s %s is still awaiting its payment; no new one can be issued until one is paid or expires", modulo, a.provider, key)
		}
		now := a.s.now()
		c.Next = (n + 1) % modulo
		c.Version++
		c.Updated = now
		if c.Version == 1 {
			c.Created = now
		}
		return a.s.store.Commit(ctx, checkout.Change{Objects: []checkout.Object{c}})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// load returns the counter of key, or a new one (version 0) starting at 0.
func (a refAllocator) load(ctx context.Context, key string) (*checkout.RefCounter, error) {
	o, err := a.s.store.GetObject(ctx, a.scope, checkout.RefCounterKind, checkout.RefCounterID(a.scope, a.provider, key))
	if checkout.IsKind(err, checkout.KindNotFound) {
		return &checkout.RefCounter{AccountID: a.scope.AccountID, Livemode: a.scope.Livemode, Provider: a.provider, Key: key}, nil
	}
	if err != nil {
		return nil, err
	}
	c, ok := o.(*checkout.RefCounter)
	if !ok {
		return nil, checkout.Errorf(checkout.KindInternal, "ref_counter", "object %s is a %T", o.ObjectID(), o)
	}
	return c, nil
}

// Held implements checkout.RefAllocator: ref is held while the newest
// payment of the provider carrying it is not final. It looks across every
// account and mode, not only the allocator's own: a reference is paid at
// the bank by its digits alone, and a callback names only them, so a test
// payment and a live one (or two accounts given the same entity and
// sub-entity) must never wait on the same reference at once, or the
// callback of one could settle, or be refused for, the other.
func (a refAllocator) Held(ctx context.Context, ref string) (bool, error) {
	p, err := a.s.store.FindPaymentByRef(ctx, a.provider, ref)
	if checkout.IsKind(err, checkout.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !p.Status.Final() {
		return true, nil
	}
	// A voucher that lapsed unpaid can still be paid at the bank (an
	// offline reference never expires there): until refQuarantine has
	// passed, its reference is not issued again, so a late payment of it is
	// recorded against its own lapsed payment (and changes nothing) rather
	// than settling a newer customer's order.
	lapsedUnpaid := p.Status == checkout.PaymentFailed && p.FailureCode == "voucher_expired"
	return lapsedUnpaid && a.s.now().Sub(p.Updated) < refQuarantine, nil
}

// refQuarantine is how long the reference of a voucher that lapsed unpaid
// stays out of use.
const refQuarantine = 90 * 24 * time.Hour
