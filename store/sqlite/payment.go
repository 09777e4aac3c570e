package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
)

// Payments are written only through Commit (commit.go).

// GetPayment returns the payment with id in scope.
func (s *Store) GetPayment(ctx context.Context, scope checkout.Scope, id string) (*checkout.Payment, error) {
	var data []byte
	if err := s.rs.getPayment.QueryRowContext(ctx, id, scope.AccountID, scope.Livemode).Scan(&data); err != nil {
		return nil, translate("get payment", err)
	}
	return decodePayment(data)
}

// FindPayment returns the payment with id, whatever its scope.
func (s *Store) FindPayment(ctx context.Context, id string) (*checkout.Payment, error) {
	var data []byte
	if err := s.rs.findPayment.QueryRowContext(ctx, id).Scan(&data); err != nil {
		return nil, translate("find payment", err)
	}
	return decodePayment(data)
}

// ListPayments pages the scope's payments on seq, like ListSessions.
func (s *Store) ListPayments(ctx context.Context, scope checkout.Scope, f checkout.PaymentFilter) (checkout.Page[*checkout.Payment], error) {
	c, err := s.cursor(ctx, s.rs.paymentSeq, scope, f.ListParams, "payment")
	if err != nil {
		return checkout.Page[*checkout.Payment]{}, err
	}
	query, args := paymentQuery(scope, f, c)
	return list(ctx, s, query, args, f.ListParams, decodePayment)
}

// paymentQuery is the SQL of one page of payments (see pageQuery).
func paymentQuery(scope checkout.Scope, f checkout.PaymentFilter, c cursor) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 5)
	q.WriteString("SELECT data FROM payments WHERE account_id = ? AND livemode = ?")
	args = append(args, scope.AccountID, scope.Livemode)
	if f.SessionID != "" {
		q.WriteString(" AND session_id = ?")
		args = append(args, f.SessionID)
	}
	return pageQuery(&q, args, c, f.Limit)
}

// encodePayment is the stored JSON of p, with its times in UTC at
// microsecond precision. p itself is not changed.
func encodePayment(p *checkout.Payment) ([]byte, error) {
	b, err := json.Marshal(normalizedPayment(p))
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode payment: %w", err)
	}
	return b, nil
}

func decodePayment(data []byte) (*checkout.Payment, error) {
	var p checkout.Payment
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("sqlite: decode payment: %w", err)
	}
	normalizePayment(&p)
	return &p, nil
}

// normalizedPayment returns a copy of p (and of its action) with normalized times.
func normalizedPayment(p *checkout.Payment) *checkout.Payment {
	c := p.Clone()
	normalizePayment(c)
	return c
}

// normalizePayment normalizes the times of p and of its action, which it
// must own.
func normalizePayment(p *checkout.Payment) {
	p.Created, p.Updated = utc(p.Created), utc(p.Updated)
	if p.Action != nil {
		p.Action.ExpiresAt = utc(p.Action.ExpiresAt)
	}
}

// paymentDue is the due column of p: its action's deadline, 0 if none.
func paymentDue(p *checkout.Payment) int64 {
	if p.Action == nil || p.Action.ExpiresAt.IsZero() {
		return 0
	}
	return micros(p.Action.ExpiresAt)
}

// DuePayments returns payments awaiting the customer whose deadline has
// passed, of any scope, earliest first.
func (s *Store) DuePayments(ctx context.Context, now time.Time, limit int) ([]*checkout.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.rs.duePayments.QueryContext(ctx, micros(now), limit)
	return scanAll(rows, err, "due payments", decodePayment)
}
