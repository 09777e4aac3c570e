package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Payments are written only through Commit (commit.go).

// GetPayment returns the payment with id in scope.
func (s *Store) GetPayment(ctx context.Context, scope checkout.Scope, id string) (*checkout.Payment, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM payments WHERE id = $1 AND account_id = $2 AND livemode = $3`,
		id, scope.AccountID, scope.Livemode).Scan(&data)
	if err != nil {
		return nil, translate("get payment", err)
	}
	return record.DecodePayment(data)
}

// FindPayment returns the payment with id, whatever its scope.
func (s *Store) FindPayment(ctx context.Context, id string) (*checkout.Payment, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	if err := s.pool.QueryRow(ctx, `SELECT data FROM payments WHERE id = $1`, id).Scan(&data); err != nil {
		return nil, translate("find payment", err)
	}
	return record.DecodePayment(data)
}

// FindPaymentByRef returns the newest payment of provider with the reference ref.
func (s *Store) FindPaymentByRef(ctx context.Context, provider, ref string) (*checkout.Payment, error) {
	if ref == "" || !held(provider) || !held(ref) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM payments WHERE provider = $1 AND provider_ref = $2 AND provider_ref <> ''
		ORDER BY seq DESC LIMIT 1`, provider, ref).Scan(&data)
	if err != nil {
		return nil, translate("find payment by ref", err)
	}
	return record.DecodePayment(data)
}

// ListPayments pages the scope's payments on seq, like ListSessions.
func (s *Store) ListPayments(ctx context.Context, scope checkout.Scope, f checkout.PaymentFilter) (checkout.Page[*checkout.Payment], error) {
	q := newPageQuery("payments", scope)
	if f.SessionID != "" {
		q.where("session_id = $?", f.SessionID)
	}
	return list(ctx, s, q, f.ListParams, "payment", record.DecodePayment)
}

// DuePayments returns the payments (of any status: a final one while a
// refund waits to be asked about) whose due time has passed, of
// any scope, earliest first, from the partial index payments_due.
func (s *Store) DuePayments(ctx context.Context, now time.Time, limit int) ([]*checkout.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT data FROM payments WHERE due > 0 AND due <= $1
		ORDER BY due, seq LIMIT $2`, micros(now), limit)
	return collect(rows, "due payments", record.DecodePayment)
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

// PendingPayments pages the provider's payments in one mode that are not
// final or have a check due, of every account, on seq, from the partial
// index payments_pending (see pendingQuery). The cursor is
// resolved among all the provider's payments of the mode, so one that
// became final since its page was read still marks the place.
func (s *Store) PendingPayments(ctx context.Context, provider string, livemode bool, after string, limit int) ([]*checkout.Payment, error) {
	if limit <= 0 {
		return nil, nil
	}
	if !held(after) {
		return nil, checkout.NotFound("after", "payment", after)
	}
	if !held(provider) {
		return nil, nil
	}
	var seq int64
	if after != "" {
		err := s.pool.QueryRow(ctx, `SELECT seq FROM payments WHERE id = $1 AND provider = $2 AND livemode = $3`,
			after, provider, livemode).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, checkout.NotFound("after", "payment", after)
		} else if err != nil {
			return nil, translate("resolve pending cursor", err)
		}
	}
	rows, _ := s.pool.Query(ctx, pendingQuery, provider, livemode, seq, limit)
	return collect(rows, "pending payments", record.DecodePayment)
}

// pendingQuery is a page of PendingPayments after seq $3. Its status and
// due term is the condition of the partial index payments_pending, which
// the planner uses only when the query implies it.
const pendingQuery = `SELECT data FROM payments WHERE provider = $1 AND livemode = $2 AND seq > $3
	AND (status NOT IN ('succeeded', 'failed', 'canceled') OR due > 0) ORDER BY seq LIMIT $4`
