package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Objects of any kind live in one table, objects, and their lookup keys in
// object_keys (see migrations/0007_objects.sql). They are written only
// through Commit.

// encodedObject is an object of a Change, encoded before the write lock is
// taken.
type encodedObject struct {
	o    checkout.Object
	data []byte
	keys []string
}

func encodeObjects(objects []checkout.Object) ([]encodedObject, error) {
	out := make([]encodedObject, len(objects))
	for i, o := range objects {
		data, err := record.EncodeObject(o)
		if err != nil {
			return nil, err
		}
		out[i] = encodedObject{o: o, data: data, keys: record.LookupKeys(o)}
	}
	return out, nil
}

// writeObject inserts (at version 1) or compare-and-sets o, then replaces
// its lookup keys; a key another object holds fails the primary key of
// object_keys, ErrConflict.
func (s *Store) writeObject(ctx context.Context, tx *sql.Tx, e encodedObject) error {
	o, sc := e.o, e.o.Scope()
	kind, id, v := o.ObjectKind(), o.ObjectID(), o.ObjectVersion()
	if v == 1 {
		_, err := tx.StmtContext(ctx, s.ws.insertObject).ExecContext(ctx,
			kind, id, sc.AccountID, sc.Livemode, v, micros(o.ObjectCreated()), e.data)
		if err != nil {
			return translate("insert object", err)
		}
	} else {
		res, err := tx.StmtContext(ctx, s.ws.updateObject).ExecContext(ctx,
			v, e.data, kind, id, sc.AccountID, sc.Livemode, v-1)
		if err := oneRow("update object", res, err); err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, s.ws.deleteObjectKeys).ExecContext(ctx, kind, id); err != nil {
			return translate("update object keys", err)
		}
	}
	ins := tx.StmtContext(ctx, s.ws.insertObjectKey)
	for _, k := range e.keys {
		if _, err := ins.ExecContext(ctx, kind, k, id); err != nil {
			return translate("insert object key", err)
		}
	}
	return nil
}

// GetObject returns the object of kind with id in scope.
func (s *Store) GetObject(ctx context.Context, scope checkout.Scope, kind, id string) (checkout.Object, error) {
	var data []byte
	if err := s.rs.getObject.QueryRowContext(ctx, kind, id, scope.AccountID, scope.Livemode).Scan(&data); err != nil {
		return nil, translate("get object", err)
	}
	return record.DecodeObject(kind, data)
}

// FindObject returns the object of kind with the lookup key key.
func (s *Store) FindObject(ctx context.Context, kind, key string) (checkout.Object, error) {
	var data []byte
	if err := s.rs.findObject.QueryRowContext(ctx, kind, key).Scan(&data); err != nil {
		return nil, translate("find object", err)
	}
	return record.DecodeObject(kind, data)
}

// ListObjects pages the scope's objects of kind on seq, like ListSessions.
func (s *Store) ListObjects(ctx context.Context, scope checkout.Scope, kind string, p checkout.ListParams) (checkout.Page[checkout.Object], error) {
	c, err := s.cursor(ctx, s.rs.objectSeq, scope, p, kind, kind)
	if err != nil {
		return checkout.Page[checkout.Object]{}, err
	}
	query, args := objectQuery(scope, kind, p, c)
	return list(ctx, s, query, args, p, func(data []byte) (checkout.Object, error) {
		return record.DecodeObject(kind, data)
	})
}

// objectQuery is the SQL of one page of the scope's objects of kind (see
// pageQuery), a range of objects_scope.
func objectQuery(scope checkout.Scope, kind string, p checkout.ListParams, c cursor) (string, []any) {
	var q strings.Builder
	q.WriteString("SELECT data FROM objects WHERE account_id = ? AND livemode = ? AND kind = ?")
	return pageQuery(&q, []any{scope.AccountID, scope.Livemode, kind}, c, p.Limit)
}
