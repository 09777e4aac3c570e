package postgres

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Objects of any kind live in one table, objects, and their lookup keys in
// object_keys (see migrations/0003_objects.sql). They are written only
// through Commit (commit.go).

// GetObject returns the object of kind with id in scope.
func (s *Store) GetObject(ctx context.Context, scope checkout.Scope, kind, id string) (checkout.Object, error) {
	if !held(kind) || !held(id) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM objects WHERE kind = $1 AND id = $2 AND account_id = $3 AND livemode = $4`,
		kind, id, scope.AccountID, scope.Livemode).Scan(&data)
	if err != nil {
		return nil, translate("get object", err)
	}
	return record.DecodeObject(kind, data)
}

// FindObject returns the object of kind with the lookup key key.
func (s *Store) FindObject(ctx context.Context, kind, key string) (checkout.Object, error) {
	if !held(kind) || !held(key) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT o.data FROM object_keys k JOIN objects o ON o.kind = k.kind AND o.id = k.id
		WHERE k.kind = $1 AND k.key = $2`, kind, key).Scan(&data)
	if err != nil {
		return nil, translate("find object", err)
	}
	return record.DecodeObject(kind, data)
}

// ListObjects pages the scope's objects of kind on seq, like ListSessions.
func (s *Store) ListObjects(ctx context.Context, scope checkout.Scope, kind string, p checkout.ListParams) (checkout.Page[checkout.Object], error) {
	if !held(kind) {
		// No object is of such a kind: an empty list, where no cursor is.
		if p.StartingAfter != "" {
			return checkout.Page[checkout.Object]{}, checkout.NotFound("starting_after", kind, p.StartingAfter)
		} else if p.EndingBefore != "" {
			return checkout.Page[checkout.Object]{}, checkout.NotFound("ending_before", kind, p.EndingBefore)
		}
		return checkout.Page[checkout.Object]{Items: []checkout.Object{}}, nil
	}
	q := newPageQuery("objects", scope)
	q.where("kind = $?", kind) // $3, as q.kind says
	q.kind = kind
	return list(ctx, s, q, p, kind, func(data []byte) (checkout.Object, error) {
		return record.DecodeObject(kind, data)
	})
}
