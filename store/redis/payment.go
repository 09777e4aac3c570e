package redis

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Payments are written only through Commit (commit.go).

// GetPayment returns the payment with id in scope.
func (s *Store) GetPayment(ctx context.Context, scope checkout.Scope, id string) (*checkout.Payment, error) {
	p, err := s.FindPayment(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Scope() != scope {
		return nil, checkout.ErrNotFound
	}
	return p, nil
}

// FindPayment returns the payment with id, whatever its scope.
func (s *Store) FindPayment(ctx context.Context, id string) (*checkout.Payment, error) {
	data, err := s.get(ctx, s.k.object("payment", id)).Bytes()
	if err != nil {
		return nil, translate("get payment", err)
	}
	return record.DecodePayment(data)
}

// FindPaymentByRef returns the newest payment of provider with the
// reference ref, from the reference's sorted set.
func (s *Store) FindPaymentByRef(ctx context.Context, provider, ref string) (*checkout.Payment, error) {
	if ref == "" {
		return nil, checkout.ErrNotFound
	}
	data, err := s.run(ctx, paymentRefScript, provider, ref).Text()
	if err != nil {
		return nil, translate("find payment by ref", err)
	}
	return record.DecodePayment([]byte(data))
}

// ListPayments pages the scope's payments, or a session's, newest first.
func (s *Store) ListPayments(ctx context.Context, scope checkout.Scope, f checkout.PaymentFilter) (checkout.Page[*checkout.Payment], error) {
	all := s.k.scoped("payments", scope)
	source := all
	if f.SessionID != "" {
		source = all + ":session:" + f.SessionID
	}
	return list(ctx, s, listing{kind: "payment", what: "payment", scope: all, sources: []string{source}}, f.ListParams,
		func(it item) (*checkout.Payment, bool, error) {
			p, err := record.DecodePayment(it.data)
			if err != nil {
				return nil, false, err
			}
			return p, f.SessionID == "" || p.SessionID == f.SessionID, nil
		})
}

// DuePayments reads the queue of payments by their due time
// (Payment.Due; a final payment is in it while a refund waits to be asked
// about).
func (s *Store) DuePayments(ctx context.Context, now time.Time, limit int) ([]*checkout.Payment, error) {
	return due(ctx, s, "payment", s.k.duePayments(), now, limit, record.DecodePayment)
}

// PendingPayments pages the provider's pending set (P
// payments-pending:{mode}:{provider}, kept by the commit script) past the
// payment after, in seq order.
func (s *Store) PendingPayments(ctx context.Context, provider string, livemode bool, after string, limit int) ([]*checkout.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	res, err := s.run(ctx, pendingScript, provider, mode(livemode), after, limit).StringSlice()
	if isReply(err, "CURSOR") {
		return nil, checkout.NotFound("after", "payment", after)
	} else if err != nil {
		return nil, translate("pending payments", err)
	}
	out := make([]*checkout.Payment, 0, len(res))
	for _, data := range res {
		p, err := record.DecodePayment([]byte(data))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
