package postgres

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Events are written only through Commit (commit.go); the outbox that
// dispatches them is in outbox.go.

// GetEvent returns the event with id in scope.
func (s *Store) GetEvent(ctx context.Context, scope checkout.Scope, id string) (*checkout.Event, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM events WHERE id = $1 AND account_id = $2 AND livemode = $3`,
		id, scope.AccountID, scope.Livemode).Scan(&data)
	if err != nil {
		return nil, translate("get event", err)
	}
	return record.DecodeEvent(data)
}

// ListEvents pages the scope's events on seq, like ListSessions.
func (s *Store) ListEvents(ctx context.Context, scope checkout.Scope, f checkout.EventFilter) (checkout.Page[*checkout.Event], error) {
	q := newPageQuery("events", scope)
	if f.Type != "" {
		q.where("type = $?", f.Type)
	}
	if f.ObjectID != "" {
		q.where("object_id = $?", f.ObjectID)
	}
	return list(ctx, s, q, f.ListParams, "event", record.DecodeEvent)
}
