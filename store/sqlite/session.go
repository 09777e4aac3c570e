package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// CreateSession stores s as version 1 (and sets s.Version to 1, so the
// caller's copy matches what is stored).
func (s *Store) CreateSession(ctx context.Context, sess *checkout.Session) error {
	sess.Version = 1
	data, err := record.EncodeSession(sess)
	if err != nil {
		return err
	}
	return s.submit(&writeReq{ctx: ctx, oneStatement: true, session: s.stored(sess.ID, data), fn: func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.ws.insertSession).ExecContext(ctx,
			sess.ID, sess.AccountID, sess.Livemode, string(sess.Status), micros(sess.ExpiresAt), micros(sess.Created),
			sess.Customer, sess.Payment, sess.CustomerEmail, sess.Version, data)
		return translate("create session", err)
	}})
}

// GetSession returns the session with id in scope.
func (s *Store) GetSession(ctx context.Context, scope checkout.Scope, id string) (*checkout.Session, error) {
	if sess, ok, err := s.cachedSession(id); ok || err != nil {
		if err == nil && sess.Scope() != scope {
			return nil, checkout.ErrNotFound // ids are unique: the file has none in scope
		}
		return sess, err
	}
	return s.readSession("get session", func() *sql.Row {
		return s.rs.getSession.QueryRowContext(ctx, id, scope.AccountID, scope.Livemode)
	})
}

// FindSession returns the session with id, whatever its scope.
func (s *Store) FindSession(ctx context.Context, id string) (*checkout.Session, error) {
	if sess, ok, err := s.cachedSession(id); ok || err != nil {
		return sess, err
	}
	return s.readSession("find session", func() *sql.Row { return s.rs.findSession.QueryRowContext(ctx, id) })
}

// cachedSession reads the session with id from the owner's cache; ok is
// false when it is not there (or the Store keeps no cache).
func (s *Store) cachedSession(id string) (sess *checkout.Session, ok bool, err error) {
	if s.cache == nil {
		return nil, false, nil
	}
	if sess, ok, err = s.cache.get(id); err != nil {
		return nil, false, fmt.Errorf("sqlite: cached session: %w", err)
	}
	return sess, ok, nil
}

// readSession runs query and decodes the session row it returns. The owner
// keeps the session in its id cache unless the writer changed sessions
// while it was being read (the generation is taken before the query runs);
// the cache by stored bytes is for the Stores that keep no id cache.
func (s *Store) readSession(op string, query func() *sql.Row) (*checkout.Session, error) {
	var gen uint64
	if s.cache != nil {
		gen = s.cache.generation()
	}
	var data []byte
	if err := query().Scan(&data); err != nil {
		return nil, translate(op, err)
	}
	if s.cache == nil {
		return s.sessions.Session(data)
	}
	sess, err := record.DecodeSession(data)
	if err != nil {
		return nil, err
	}
	s.cache.fill(sess.Clone(), gen)
	return sess, nil
}

// ListSessions pages on seq, the insertion order, through indexes that begin
// with the scope (see list.go).
func (s *Store) ListSessions(ctx context.Context, scope checkout.Scope, f checkout.SessionFilter) (checkout.Page[*checkout.Session], error) {
	c, err := s.cursor(ctx, s.rs.sessionSeq, scope, f.ListParams, "checkout.session")
	if err != nil {
		return checkout.Page[*checkout.Session]{}, err
	}
	query, args := sessionQuery(scope, f, c)
	return list(ctx, s, query, args, f.ListParams, s.sessions.Session)
}

// sessionQuery is the SQL of one page of sessions (see pageQuery).
func sessionQuery(scope checkout.Scope, f checkout.SessionFilter, c cursor) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 12)
	q.WriteString("SELECT data FROM sessions WHERE account_id = ? AND livemode = ?")
	args = append(args, scope.AccountID, scope.Livemode)

	// Status as readers see it at f.Now (checkout.Session.StatusAt): an open
	// session whose expires_at has come is expired, not open. The unary + on
	// expires_at keeps SQLite from reaching for sessions_due, which spans
	// every scope and is not in seq order.
	switch f.Status {
	case "":
	case checkout.SessionOpen:
		q.WriteString(" AND status = 'open' AND +expires_at > ?")
		args = append(args, micros(f.Now))
	case checkout.SessionExpired:
		q.WriteString(" AND (status = 'expired' OR (status = 'open' AND +expires_at <= ?))")
		args = append(args, micros(f.Now))
	default:
		q.WriteString(" AND status = ?")
		args = append(args, string(f.Status))
	}
	// The "<> ''" terms repeat the partial indexes' conditions so SQLite
	// may use them.
	if f.Customer != "" {
		q.WriteString(" AND customer = ? AND customer <> ''")
		args = append(args, f.Customer)
	}
	if f.Payment != "" {
		q.WriteString(" AND payment = ? AND payment <> ''")
		args = append(args, f.Payment)
	}
	if f.CustomerEmail != "" {
		q.WriteString(" AND customer_email = ? AND customer_email <> ''")
		args = append(args, f.CustomerEmail)
	}
	if !f.CreatedGTE.IsZero() {
		q.WriteString(" AND created >= ?")
		args = append(args, micros(f.CreatedGTE))
	}
	if !f.CreatedLTE.IsZero() {
		q.WriteString(" AND created <= ?")
		args = append(args, micros(f.CreatedLTE))
	}
	return pageQuery(&q, args, c, f.Limit)
}

// DueSessions reads the partial index of open sessions by expires_at.
func (s *Store) DueSessions(ctx context.Context, now time.Time, limit int) ([]*checkout.Session, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.rs.dueSessions.QueryContext(ctx, micros(now), limit)
	return scanAll(rows, err, "due sessions", record.DecodeSession)
}

// scanAll decodes every row of a one-column (data) query.
func scanAll[T any](rows *sql.Rows, err error, op string, decode func([]byte) (T, error)) ([]T, error) {
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var data sql.RawBytes
		if err := rows.Scan(&data); err != nil {
			return nil, translate(op, err)
		}
		v, err := decode(data)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(op, rows.Err())
}
