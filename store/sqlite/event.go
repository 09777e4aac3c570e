package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// GetEvent returns the event with id in scope.
func (s *Store) GetEvent(ctx context.Context, scope checkout.Scope, id string) (*checkout.Event, error) {
	var data []byte
	if err := s.rs.getEvent.QueryRowContext(ctx, id, scope.AccountID, scope.Livemode).Scan(&data); err != nil {
		return nil, translate("get event", err)
	}
	return record.DecodeEvent(data)
}

// ListEvents pages the scope's events on seq, like ListSessions.
func (s *Store) ListEvents(ctx context.Context, scope checkout.Scope, f checkout.EventFilter) (checkout.Page[*checkout.Event], error) {
	c, err := s.cursor(ctx, s.rs.eventSeq, scope, f.ListParams, "event")
	if err != nil {
		return checkout.Page[*checkout.Event]{}, err
	}
	query, args := eventQuery(scope, f, c)
	return list(ctx, s, query, args, f.ListParams, record.DecodeEvent)
}

// eventQuery is the SQL of one page of events (see pageQuery).
func eventQuery(scope checkout.Scope, f checkout.EventFilter, c cursor) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 6)
	q.WriteString("SELECT data FROM events WHERE account_id = ? AND livemode = ?")
	args = append(args, scope.AccountID, scope.Livemode)
	if f.Type != "" {
		q.WriteString(" AND type = ?")
		args = append(args, f.Type)
	}
	if f.ObjectID != "" {
		q.WriteString(" AND object_id = ?")
		args = append(args, f.ObjectID)
	}
	return pageQuery(&q, args, c, f.Limit)
}

// insertEvent appends e, whose JSON is data, with the statement of the
// caller's transaction.
func insertEvent(ctx context.Context, st *sql.Stmt, e *checkout.Event, data []byte) error {
	_, err := st.ExecContext(ctx, e.ID, e.AccountID, e.Livemode, e.Type, e.ObjectID, micros(e.Created), data)
	return translate("insert event", err)
}
