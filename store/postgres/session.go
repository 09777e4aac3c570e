package postgres

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// CreateSession stores sess as version 1 (and sets sess.Version to 1, so
// the caller's copy matches what is stored). One statement is its own
// transaction: one round trip, no BEGIN or COMMIT.
func (s *Store) CreateSession(ctx context.Context, sess *checkout.Session) error {
	sess.Version = 1
	data, err := record.EncodeSession(sess)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO sessions (id, account_id, livemode, status, expires_at, created,
		customer, payment, customer_email, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		sess.ID, sess.AccountID, sess.Livemode, string(sess.Status), micros(sess.ExpiresAt), micros(sess.Created),
		sess.Customer, sess.Payment, sess.CustomerEmail, sess.Version, data)
	return translate("create session", err)
}

// GetSession returns the session with id in scope.
func (s *Store) GetSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE id = $1 AND account_id = $2 AND livemode = $3`,
		id, scope.AccountID, scope.Livemode).Scan(&data)
	if err != nil {
		return nil, translate("get session", err)
	}
	return s.sessions.Session(data)
}

// FindSession returns the session with id, whatever its scope.
func (s *Store) FindSession(ctx context.Context, id string) (*checkout.Session, error) {
	var data []byte
	if err := s.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE id = $1`, id).Scan(&data); err != nil {
		return nil, translate("find session", err)
	}
	return s.sessions.Session(data)
}

// ListSessions pages the scope's sessions on seq (see list.go).
func (s *Store) ListSessions(ctx context.Context, scope checkout.Scope, f checkout.SessionFilter) (checkout.Page[*checkout.Session], error) {
	q := newPageQuery("sessions", scope)
	// Status as readers see it at f.Now (checkout.Session.StatusAt): an open
	// session whose expires_at has come is expired, not open.
	switch f.Status {
	case "":
	case checkout.SessionOpen:
		q.where("status = 'open' AND expires_at > $?", micros(f.Now))
	case checkout.SessionExpired:
		q.where("(status = 'expired' OR (status = 'open' AND expires_at <= $?))", micros(f.Now))
	default:
		q.where("status = $?", string(f.Status))
	}
	// The "<> ''" terms repeat the partial indexes' conditions, so the
	// planner may use them with a parameter it cannot see at plan time.
	if f.Customer != "" {
		q.where("customer = $? AND customer <> ''", f.Customer)
	}
	if f.Payment != "" {
		q.where("payment = $? AND payment <> ''", f.Payment)
	}
	if f.CustomerEmail != "" {
		q.where("customer_email = $? AND customer_email <> ''", f.CustomerEmail)
	}
	if !f.CreatedGTE.IsZero() {
		q.where("created >= $?", micros(f.CreatedGTE))
	}
	if !f.CreatedLTE.IsZero() {
		q.where("created <= $?", micros(f.CreatedLTE))
	}
	return list(ctx, s, q, f.ListParams, "checkout.session", s.sessions.Session)
}

// DueSessions reads the partial index of open sessions by expires_at.
func (s *Store) DueSessions(ctx context.Context, now time.Time, limit int) ([]*checkout.Session, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT data FROM sessions WHERE status = 'open' AND expires_at <= $1
		ORDER BY expires_at, seq LIMIT $2`, micros(now), limit)
	return collect(rows, "due sessions", record.DecodeSession)
}
