package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
			sess.Customer, sess.Payment, sess.CustomerEmail, sess.Version, data, sess.PaymentLink)
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

// sessionQuery is the SQL of one page of sessions (see pageQuery). With a
// filter on customer, payment or customer_email, SQLite reads that field's
// index. Without one it reads sessions_status, one range for each status
// asked for: the ranges are in seq order, so SQLite merges them (UNION ALL
// under the ORDER BY) and reads only the rows the page needs. No index on the
// scope alone serves a page of every status: each create would pay for one.
func sessionQuery(scope checkout.Scope, f checkout.SessionFilter, c cursor) (string, []any) {
	// Status as readers see it at f.Now (checkout.Session.StatusAt): an
	// open session whose expires_at has come is expired, not open. The
	// unary + on expires_at keeps SQLite from reaching for sessions_due,
	// which spans every scope and is not in seq order.
	var statuses []sqlPart
	switch f.Status {
	case "":
		for _, st := range checkout.SessionStatuses {
			statuses = append(statuses, statusIs(st))
		}
	case checkout.SessionOpen:
		statuses = []sqlPart{{"status = 'open' AND +expires_at > ?", []any{micros(f.Now)}}}
	case checkout.SessionExpired:
		statuses = []sqlPart{{"status = 'expired'", nil}, {"status = 'open' AND +expires_at <= ?", []any{micros(f.Now)}}}
	default:
		statuses = []sqlPart{statusIs(f.Status)}
	}

	// The "<> ''" terms repeat the partial indexes' conditions so SQLite
	// may use them.
	var rest sqlPart
	and := func(where string, arg any) {
		rest.where += " AND " + where
		rest.args = append(rest.args, arg)
	}
	if f.Customer != "" {
		and("customer = ? AND customer <> ''", f.Customer)
	}
	if f.Payment != "" {
		and("payment = ? AND payment <> ''", f.Payment)
	}
	if f.CustomerEmail != "" {
		and("customer_email = ? AND customer_email <> ''", f.CustomerEmail)
	}
	if f.PaymentLink != "" {
		and("payment_link = ? AND payment_link <> ''", f.PaymentLink)
	}
	if rest.where != "" && len(statuses) > 1 {
		// A field's index serves every status at once: one range, the
		// statuses filtered row by row.
		either := sqlPart{}
		if f.Status != "" {
			var ors []string
			for _, p := range statuses {
				ors = append(ors, "("+p.where+")")
				either.args = append(either.args, p.args...)
			}
			either.where = "(" + strings.Join(ors, " OR ") + ")"
		}
		statuses = []sqlPart{either}
	}
	if !f.CreatedGTE.IsZero() {
		and("created >= ?", micros(f.CreatedGTE))
	}
	if !f.CreatedLTE.IsZero() {
		and("created <= ?", micros(f.CreatedLTE))
	}
	after, afterArgs := c.where()

	// The ORDER BY of a UNION ALL must name a column of its result.
	cols := ""
	if len(statuses) > 1 {
		cols = ", seq"
	}
	var q strings.Builder
	args := make([]any, 0, len(statuses)*(3+len(rest.args)+len(afterArgs))+1)
	for i, p := range statuses {
		if i > 0 {
			q.WriteString(" UNION ALL ")
		}
		q.WriteString("SELECT data" + cols + " FROM sessions WHERE account_id = ? AND livemode = ?")
		args = append(args, scope.AccountID, scope.Livemode)
		if p.where != "" {
			q.WriteString(" AND " + p.where)
			args = append(args, p.args...)
		}
		q.WriteString(rest.where + after)
		args = append(args, rest.args...)
		args = append(args, afterArgs...)
	}
	return pageEnd(&q, args, c, f.Limit)
}

// sqlPart is a condition of a WHERE clause and the arguments of its
// parameters.
type sqlPart struct {
	where string
	args  []any
}

// statusIs is the condition status = st, with a known st written into the
// SQL. SQLite compares a parameter in "status = ?" with the condition of
// the partial index sessions_due (status = 'open'), and then prepares the
// statement again whenever the parameter is bound: on every run.
func statusIs(st checkout.SessionStatus) sqlPart {
	if slices.Contains(checkout.SessionStatuses, st) {
		return sqlPart{"status = '" + string(st) + "'", nil}
	}
	return sqlPart{"status = ?", []any{string(st)}}
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
