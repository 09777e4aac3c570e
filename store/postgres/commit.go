package postgres

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

// The compare-and-sets of Commit. Each UPDATE matches its row only at the
// expected version and in the object's scope; checkoutd_require turns a
// miss into SQLSTATE CK409, which aborts the whole batch. Under READ
// COMMITTED a second writer waits for the first's row lock and then
// re-evaluates the WHERE clause against the committed row, whose version
// has moved on: exactly one of them matches.
const (
	updateSession = `WITH u AS (
		UPDATE sessions SET status = $1, expires_at = $2, customer = $3, payment = $4, customer_email = $5,
			version = $6, data = $7
		WHERE id = $8 AND account_id = $9 AND livemode = $10 AND version = $11
		RETURNING 1)
	SELECT checkoutd_require(EXISTS (SELECT 1 FROM u), 'CK409')`
	insertPayment = `INSERT INTO payments (id, account_id, livemode, session_id, status, created, due, version, data,
			provider, provider_ref)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	updatePayment = `WITH u AS (
		UPDATE payments SET session_id = $1, status = $2, due = $3, version = $4, data = $5,
			provider = $10, provider_ref = $11
		WHERE id = $6 AND account_id = $7 AND livemode = $8 AND version = $9
		RETURNING 1)
	SELECT checkoutd_require(EXISTS (SELECT 1 FROM u), 'CK409')`
	updateEndpoint = `WITH u AS (
		UPDATE webhook_endpoints SET disabled = $1, version = $2, data = $3
		WHERE id = $4 AND account_id = $5 AND livemode = $6 AND version = $7
		RETURNING 1)
	SELECT checkoutd_require(EXISTS (SELECT 1 FROM u), 'CK409')`
	insertObject = `INSERT INTO objects (kind, id, account_id, livemode, version, created, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	updateObject = `WITH u AS (
		UPDATE objects SET version = $1, data = $2
		WHERE kind = $3 AND id = $4 AND account_id = $5 AND livemode = $6 AND version = $7
		RETURNING 1)
	SELECT checkoutd_require(EXISTS (SELECT 1 FROM u), 'CK409')`
	// An object's keys are replaced on every write; a key another object
	// holds fails the primary key (23505), ErrConflict.
	deleteObjectKeys = `DELETE FROM object_keys WHERE kind = $1 AND id = $2`
	insertObjectKey  = `INSERT INTO object_keys (kind, key, id) VALUES ($1, $2, $3)`
	insertEvent      = `INSERT INTO events (id, account_id, livemode, type, object_id, created, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// Commit writes c as one pipelined batch: one round trip, one implicit
// transaction. A lost compare-and-set (CK409) or an existing id (23505)
// fails its statement, and PostgreSQL then skips the rest of the batch and
// rolls back what it had written, so the change is all or nothing.
// Everything is encoded before anything is sent.
func (s *Store) Commit(ctx context.Context, c checkout.Change) error {
	b := &pgx.Batch{}
	if sess := c.Session; sess != nil {
		data, err := record.EncodeSession(sess)
		if err != nil {
			return err
		}
		b.Queue(updateSession, string(sess.Status), micros(sess.ExpiresAt), sess.Customer, sess.Payment, sess.CustomerEmail,
			sess.Version, data, sess.ID, sess.AccountID, sess.Livemode, sess.Version-1)
	}
	if p := c.Payment; p != nil {
		data, err := record.EncodePayment(p)
		if err != nil {
			return err
		}
		if p.Version == 1 {
			b.Queue(insertPayment, p.ID, p.AccountID, p.Livemode, p.SessionID, string(p.Status), micros(p.Created),
				paymentDue(p), p.Version, data, p.Provider, p.ProviderRef)
		} else {
			b.Queue(updatePayment, p.SessionID, string(p.Status), paymentDue(p), p.Version, data,
				p.ID, p.AccountID, p.Livemode, p.Version-1, p.Provider, p.ProviderRef)
		}
	}
	if e := c.Endpoint; e != nil {
		data, err := record.EncodeEndpoint(e)
		if err != nil {
			return err
		}
		b.Queue(updateEndpoint, e.Disabled, e.Version, data, e.ID, e.AccountID, e.Livemode, e.Version-1)
	}
	for _, o := range c.Objects {
		data, err := record.EncodeObject(o)
		if err != nil {
			return err
		}
		sc, kind, id, v := o.Scope(), o.ObjectKind(), o.ObjectID(), o.ObjectVersion()
		if v == 1 {
			b.Queue(insertObject, kind, id, sc.AccountID, sc.Livemode, v, micros(o.ObjectCreated()), data)
		} else {
			b.Queue(updateObject, v, data, kind, id, sc.AccountID, sc.Livemode, v-1)
			b.Queue(deleteObjectKeys, kind, id)
		}
		for _, k := range record.LookupKeys(o) {
			b.Queue(insertObjectKey, kind, k, id)
		}
	}
	for _, e := range c.Events {
		data, err := record.EncodeEvent(e)
		if err != nil {
			return err
		}
		b.Queue(insertEvent, e.ID, e.AccountID, e.Livemode, e.Type, e.ObjectID, micros(e.Created), data)
	}
	if b.Len() == 0 {
		return nil
	}
	return s.batch(ctx, "commit", b)
}
