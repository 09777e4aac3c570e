package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// ClaimIdempotencyKey stores rec as in flight with one upsert that replaces
// only a record that is no longer live; when it changes nothing, the live
// record is read back in the same transaction, so the answer cannot be a
// record that another writer has just replaced.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) (*checkout.IdempotencyRecord, error) {
	var existing *checkout.IdempotencyRecord
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.claimKey).ExecContext(ctx,
			rec.Scope.AccountID, rec.Scope.Livemode, rec.Key, rec.Fingerprint, micros(rec.Created),
			micros(rec.Created.Add(-checkout.IdempotencyTTL)), micros(rec.Created.Add(-checkout.IdempotencyLockTTL)))
		if err != nil {
			return translate("claim idempotency key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return translate("claim idempotency key", err)
		} else if n > 0 {
			return nil
		}
		e := checkout.IdempotencyRecord{Scope: rec.Scope, Key: rec.Key}
		var created int64
		err = tx.StmtContext(ctx, s.ws.getKey).QueryRowContext(ctx, rec.Scope.AccountID, rec.Scope.Livemode, rec.Key).
			Scan(&e.Fingerprint, &created, &e.Done, &e.Status, &e.ContentType, &e.Body)
		if err != nil {
			return translate("claim idempotency key", err)
		}
		e.Created = record.FromMicros(created)
		existing = &e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return existing, nil
}

// FinishIdempotencyKey saves rec's response into the record rec claimed,
// identified by its Created time. If that claim is gone (its lock expired
// and another request claimed the key), nothing is written and the answer
// is ErrConflict: a late request must not overwrite a newer one's record.
func (s *Store) FinishIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.finishKey).ExecContext(ctx, rec.Status, rec.ContentType, body,
			rec.Scope.AccountID, rec.Scope.Livemode, rec.Key, micros(rec.Created))
		return oneRow("finish idempotency key", res, err)
	})
}

// ReleaseIdempotencyKey deletes the record rec claimed, identified by its
// Created time, if it is still in flight.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.ws.freeKey).ExecContext(ctx, rec.Scope.AccountID, rec.Scope.Livemode, rec.Key, micros(rec.Created))
		return translate("release idempotency key", err)
	})
}

// PruneIdempotencyKeys deletes in batches, each its own short transaction,
// so the server's writes interleave with a large prune.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, before time.Time) error {
	for {
		res, err := s.ws.pruneKeys.ExecContext(ctx, micros(before), pruneBatch)
		if err != nil {
			return translate("prune idempotency keys", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return translate("prune idempotency keys", err)
		}
		if n < pruneBatch {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// pruneBatch is how many records one prune statement deletes at most.
const pruneBatch = 1000
