package postgres

import (
	"context"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// CreateSession stores sess as version 1 (and sets sess.Version to 1, so
// the caller's copy matches what is stored). Concurrent creates share one
// statement and one transaction (see group.go); an error is this
// session's own.
func (s *Store) CreateSession(ctx context.Context, sess *checkout.Session) error {
	sess.Version = 1
	data, err := record.EncodeSession(sess)
	if err != nil {
		return err
	}
	return s.creates.insert(ctx, sessionRow{
		id: sess.ID, accountID: sess.AccountID, livemode: sess.Livemode, status: string(sess.Status),
		expiresAt: micros(sess.ExpiresAt), created: micros(sess.Created), customer: sess.Customer,
		payment: sess.Payment, customerEmail: sess.CustomerEmail, paymentLink: sess.PaymentLink, version: sess.Version, data: data,
	})
}

// sessionRow is a new session as its row is inserted, encoded before it is
// queued.
type sessionRow struct {
	id, accountID                    string
	livemode                         bool
	status                           string
	expiresAt, created               int64
	customer, payment, customerEmail string
	paymentLink                      string
	version                          int64
	data                             []byte
}

// insertSession inserts one row: one statement, its own transaction.
func (s *Store) insertSession(ctx context.Context, r *sessionRow) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, account_id, livemode, status, expires_at, created,
		customer, payment, customer_email, version, data, payment_link) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.id, r.accountID, r.livemode, r.status, r.expiresAt, r.created,
		r.customer, r.payment, r.customerEmail, r.version, r.data, r.paymentLink)
	return translate("create session", err)
}

// insertSessions inserts the rows of group with one statement, so they
// share one transaction: all are written or none is. The rows go as one
// array per column, so the statement's text, and the statement pgx has
// prepared for it, are the same however many rows a group has. unnest
// yields them in array order, which is the order seq numbers them in.
// The error is untranslated, for insertGroup to judge.
func (s *Store) insertSessions(ctx context.Context, group []*create) error {
	n := len(group)
	var (
		ids, accounts, statuses, customers, payments, emails = make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n)
		livemodes                  = make([]bool, n)
		expires, created, versions = make([]int64, n), make([]int64, n), make([]int64, n)
		data                       = make([][]byte, n)
		links                      = make([]string, n)
	)
	for i, c := range group {
		r := &c.row
		ids[i], accounts[i], livemodes[i], statuses[i] = r.id, r.accountID, r.livemode, r.status
		expires[i], created[i], customers[i], payments[i] = r.expiresAt, r.created, r.customer, r.payment
		emails[i], versions[i], data[i], links[i] = r.customerEmail, r.version, r.data, r.paymentLink
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, account_id, livemode, status, expires_at, created,
		customer, payment, customer_email, version, data, payment_link)
		SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[], $5::bigint[], $6::bigint[],
			$7::text[], $8::text[], $9::text[], $10::bigint[], $11::bytea[], $12::text[])`,
		ids, accounts, livemodes, statuses, expires, created, customers, payments, emails, versions, data, links)
	return err
}

// GetSession returns the session with id in scope.
func (s *Store) GetSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
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
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
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
	if f.PaymentLink != "" {
		q.where("payment_link = $? AND payment_link <> ''", f.PaymentLink)
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
