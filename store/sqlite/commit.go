package sqlite

import (
	"context"
	"database/sql"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Commit writes c in one IMMEDIATE transaction: the compare-and-sets of the
// session, the payment and the endpoint are in their UPDATE statements themselves, so
// they hold across processes sharing the file, and a failed check rolls
// back whatever the transaction wrote before it. Everything is encoded
// before the write lock is taken.
func (s *Store) Commit(ctx context.Context, c checkout.Change) error {
	if c.Session == nil && c.Payment == nil && c.Endpoint == nil && len(c.Objects) == 0 && len(c.Events) == 0 {
		return nil
	}
	var sessData, payData, epData []byte
	var err error
	if c.Session != nil {
		if sessData, err = record.EncodeSession(c.Session); err != nil {
			return err
		}
	}
	if c.Payment != nil {
		if payData, err = record.EncodePayment(c.Payment); err != nil {
			return err
		}
	}
	if c.Endpoint != nil {
		if epData, err = record.EncodeEndpoint(c.Endpoint); err != nil {
			return err
		}
	}
	objects, err := encodeObjects(c.Objects)
	if err != nil {
		return err
	}
	evs := make([][]byte, len(c.Events))
	for i, e := range c.Events {
		if evs[i], err = record.EncodeEvent(e); err != nil {
			return err
		}
	}

	var stored *cacheEntry
	if c.Session != nil {
		stored = s.stored(c.Session.ID, sessData)
	}
	return s.submit(&writeReq{ctx: ctx, session: stored, fn: func(tx *sql.Tx) error {
		if sess := c.Session; sess != nil {
			res, err := tx.StmtContext(ctx, s.ws.updateSession).ExecContext(ctx,
				string(sess.Status), micros(sess.ExpiresAt), sess.Customer, sess.Payment, sess.CustomerEmail,
				sess.Version, sessData,
				sess.ID, sess.AccountID, sess.Livemode, sess.Version-1)
			if err := oneRow("update session", res, err); err != nil {
				return err
			}
		}
		if p := c.Payment; p != nil {
			if p.Version == 1 {
				_, err := tx.StmtContext(ctx, s.ws.insertPayment).ExecContext(ctx,
					p.ID, p.AccountID, p.Livemode, p.SessionID, string(p.Status), micros(p.Created),
					p.Version, payData, paymentDue(p), p.Provider, p.ProviderRef)
				if err != nil {
					return translate("insert payment", err)
				}
			} else {
				res, err := tx.StmtContext(ctx, s.ws.updatePayment).ExecContext(ctx,
					p.SessionID, string(p.Status), p.Version, payData, paymentDue(p), p.Provider, p.ProviderRef,
					p.ID, p.AccountID, p.Livemode, p.Version-1)
				if err := oneRow("update payment", res, err); err != nil {
					return err
				}
			}
		}
		if e := c.Endpoint; e != nil {
			res, err := tx.StmtContext(ctx, s.ws.updateEndpoint).ExecContext(ctx,
				e.Disabled, e.Version, epData, e.ID, e.AccountID, e.Livemode, e.Version-1)
			if err := oneRow("update webhook endpoint", res, err); err != nil {
				return err
			}
		}
		for _, o := range objects {
			if err := s.writeObject(ctx, tx, o); err != nil {
				return err
			}
		}
		if len(c.Events) == 0 {
			return nil
		}
		ins := tx.StmtContext(ctx, s.ws.insertEvent)
		for i, e := range c.Events {
			if err := insertEvent(ctx, ins, e, evs[i]); err != nil {
				return err
			}
		}
		return nil
	}})
}

// oneRow checks the result of a compare-and-set UPDATE: no row changed means
// the version check failed (or the object is missing), ErrConflict.
func oneRow(op string, res sql.Result, err error) error {
	if err != nil {
		return translate(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(op, err)
	}
	if n == 0 {
		return checkout.ErrConflict
	}
	return nil
}
