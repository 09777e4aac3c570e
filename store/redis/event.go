package redis

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Events are written only through Commit (commit.go).

// GetEvent returns the event with id in scope.
func (s *Store) GetEvent(ctx context.Context, scope checkout.Scope, id string) (*checkout.Event, error) {
	data, err := s.get(ctx, s.k.object("event", id)).Bytes()
	if err != nil {
		return nil, translate("get event", err)
	}
	e, err := record.DecodeEvent(data)
	if err != nil {
		return nil, err
	}
	if e.AccountID != scope.AccountID || e.Livemode != scope.Livemode {
		return nil, checkout.ErrNotFound
	}
	return e, nil
}

// ListEvents pages the scope's events, newest first, from the index of the
// object or of the type when the filter names one.
func (s *Store) ListEvents(ctx context.Context, scope checkout.Scope, f checkout.EventFilter) (checkout.Page[*checkout.Event], error) {
	all := s.k.scoped("events", scope)
	source := all
	switch {
	case f.ObjectID != "":
		source = all + ":object:" + f.ObjectID
	case f.Type != "":
		source = all + ":type:" + f.Type
	}
	return list(ctx, s, listing{kind: "event", what: "event", scope: all, sources: []string{source}}, f.ListParams,
		func(it item) (*checkout.Event, bool, error) {
			e, err := record.DecodeEvent(it.data)
			if err != nil {
				return nil, false, err
			}
			return e, (f.Type == "" || e.Type == f.Type) && (f.ObjectID == "" || e.ObjectID == f.ObjectID), nil
		})
}
