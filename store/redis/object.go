package redis

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Objects of any kind (see checkout.ObjectStore) are written only through
// Commit (lua/commit.lua), which keeps them as
//
//	P object:{kind}:{id}        hash    d (the object, as its codec wrote it), v (version),
//	                                    a, m (account, mode); no TTL
//	P object-key:{kind}:{key}   string  the id of the object with lookup key key; no TTL
//	P object-keys:{kind}:{id}   set     the object's lookup keys; no TTL
//	P objects:{sc}:{kind}       zset    the scope's objects of kind, by seq

// GetObject returns the object of kind with id in scope.
func (s *Store) GetObject(ctx context.Context, scope checkout.Scope, kind, id string) (checkout.Object, error) {
	return s.getObject(ctx, kind, "id", id, &scope)
}

// FindObject returns the object of kind with the lookup key key.
func (s *Store) FindObject(ctx context.Context, kind, key string) (checkout.Object, error) {
	return s.getObject(ctx, kind, "key", key, nil)
}

// getObject reads an object of kind by its id or a lookup key (by), in
// scope when scope is not nil.
func (s *Store) getObject(ctx context.Context, kind, by, v string, scope *checkout.Scope) (checkout.Object, error) {
	res, err := s.run(ctx, objectGetScript, kind, by, v).StringSlice()
	if err != nil {
		return nil, translate("get object", err)
	}
	if len(res) != 3 {
		return nil, checkout.ErrNotFound
	}
	if scope != nil && (res[1] != scope.AccountID || res[2] != mode(scope.Livemode)) {
		return nil, checkout.ErrNotFound
	}
	return record.DecodeObject(kind, []byte(res[0]))
}

// ListObjects pages the scope's objects of kind, newest first.
func (s *Store) ListObjects(ctx context.Context, scope checkout.Scope, kind string, p checkout.ListParams) (checkout.Page[checkout.Object], error) {
	all := s.k.scoped("objects", scope) + ":" + kind
	return list(ctx, s, listing{kind: "object:" + kind, what: kind, scope: all, sources: []string{all}}, p,
		func(it item) (checkout.Object, bool, error) {
			o, err := record.DecodeObject(kind, it.data)
			return o, err == nil, err
		})
}
