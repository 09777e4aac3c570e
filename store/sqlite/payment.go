package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Payments are written only through Commit (commit.go).

// GetPayment returns the payment with id in scope.
func (s *Store) GetPayment(ctx context.Context, scope checkout.Scope, id string) (*checkout.Payment, error) {
	var data []byte
	if err := s.rs.getPayment.QueryRowContext(ctx, id, scope.AccountID, scope.Livemode).Scan(&data); err != nil {
		return nil, translate("get payment", err)
	}
	return record.DecodePayment(data)
}

// FindPayment returns the payment with id, whatever its scope.
func (s *Store) FindPayment(ctx context.Context, id string) (*checkout.Payment, error) {
	var data []byte
	if err := s.rs.findPayment.QueryRowContext(ctx, id).Scan(&data); err != nil {
		return nil, translate("find payment", err)
	}
	return record.DecodePayment(data)
}

// FindPaymentByRef returns the newest payment of provider with the reference ref.
func (s *Store) FindPaymentByRef(ctx context.Context, provider, ref string) (*checkout.Payment, error) {
	var data []byte
	if err := s.rs.paymentByRef.QueryRowContext(ctx, provider, ref).Scan(&data); err != nil {
		return nil, translate("find payment by ref", err)
	}
	return record.DecodePayment(data)
}

// ListPayments pages the scope's payments on seq, like ListSessions.
func (s *Store) ListPayments(ctx context.Context, scope checkout.Scope, f checkout.PaymentFilter) (checkout.Page[*checkout.Payment], error) {
	c, err := s.cursor(ctx, s.rs.paymentSeq, scope, f.ListParams, "payment")
	if err != nil {
		return checkout.Page[*checkout.Payment]{}, err
	}
	query, args := paymentQuery(scope, f, c)
	return list(ctx, s, query, args, f.ListParams, record.DecodePayment)
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

// paymentDue is the due column of p: p.Due() (its action's deadline or
// the reconciler's next check, of the payment or, once final, of a pending
// refund), 0 if none.
func paymentDue(p *checkout.Payment) int64 {
	due := p.Due()
	if due.IsZero() {
		return 0
	}
	return micros(due)
}

// DuePayments returns the payments (of any status: a final one while a
// refund waits to be asked about) whose due time has passed, of
// any scope, earliest first, from the partial index payments_due.
func (s *Store) DuePayments(ctx context.Context, now time.Time, limit int) ([]*checkout.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.rs.duePayments.QueryContext(ctx, micros(now), limit)
	return scanAll(rows, err, "due payments", record.DecodePayment)
}

// PendingPayments pages the provider's payments in one mode that are not
// final or have a check due, of every account, on seq, from the partial index payments_pending.
// The cursor is resolved among all the provider's payments of the mode, so
// one that became final since its page was read still marks the place.
func (s *Store) PendingPayments(ctx context.Context, provider string, livemode bool, after string, limit int) ([]*checkout.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	var seq int64
	if after != "" {
		err := s.rs.pendingSeq.QueryRowContext(ctx, after, provider, livemode).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, checkout.NotFound("after", "payment", after)
		} else if err != nil {
			return nil, translate("resolve pending cursor", err)
		}
	}
	rows, err := s.rs.pendingPayments.QueryContext(ctx, provider, livemode, seq, limit)
	return scanAll(rows, err, "pending payments", record.DecodePayment)
}
