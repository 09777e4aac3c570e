package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

// Idempotency keys. A claim is one upsert that inserts the record in
// flight, or replaces a record that is no longer live, and changes nothing
// when a live one exists. The unique key (account_id, livemode, key) makes
// two concurrent claims of one key meet on one row: the second waits for
// the first's row lock, then evaluates the upsert's WHERE against the row
// the first committed, which is live, and writes nothing. So exactly one
// claim wins, whatever process each runs in.
//
// The record is the request's recovery point. A request that dies after its
// claim (a crash, a lost connection, a killed replica) leaves the record in
// flight: a retry with the key gets it back and is told the request is in
// progress, until the lock TTL (checkout.IdempotencyLockTTL) lapses and the
// retry may claim the key itself. That retry then runs the request again,
// and may do so safely because the step that moves money is guarded by the
// store itself, not by the key: paying claims the session with a
// compare-and-set on its version (checkout.Session.Claim, stored by Commit),
// and a session that a payment holds or has completed refuses another
// claim. A retry of a request that did charge finds the session paid, or
// held by the payment in flight, and cannot charge it again.

const claimKey = `INSERT INTO idempotency_keys (account_id, livemode, key, fingerprint, created,
		done, status, content_type, body) VALUES ($1, $2, $3, $4, $5, false, 0, '', '')
	ON CONFLICT (account_id, livemode, key) DO UPDATE SET
		fingerprint = excluded.fingerprint, created = excluded.created,
		done = false, status = 0, content_type = '', body = ''
	WHERE idempotency_keys.created < $6
		OR (NOT idempotency_keys.done AND idempotency_keys.created < $7)
	RETURNING true`

// claimAttempts bounds the claim loop below; each retry needs the live
// record to have been released between two statements, so a few suffice.
const claimAttempts = 10

// ClaimIdempotencyKey stores rec as in flight unless a live record exists,
// and returns that record if one does. When the upsert writes nothing, the
// live record is read by a second statement; if it has been released in
// between, the claim is tried again. The common case, a new key, is one
// round trip.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) (*checkout.IdempotencyRecord, error) {
	for range claimAttempts {
		var claimed bool
		err := s.pool.QueryRow(ctx, claimKey,
			rec.Scope.AccountID, rec.Scope.Livemode, rec.Key, rec.Fingerprint, micros(rec.Created),
			micros(rec.Created.Add(-checkout.IdempotencyTTL)), micros(rec.Created.Add(-checkout.IdempotencyLockTTL))).
			Scan(&claimed)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, translate("claim idempotency key", err)
		}
		e := checkout.IdempotencyRecord{Scope: rec.Scope, Key: rec.Key}
		var created int64
		err = s.pool.QueryRow(ctx, `SELECT fingerprint, created, done, status, content_type, body FROM idempotency_keys
			WHERE account_id = $1 AND livemode = $2 AND key = $3`, rec.Scope.AccountID, rec.Scope.Livemode, rec.Key).
			Scan(&e.Fingerprint, &created, &e.Done, &e.Status, &e.ContentType, &e.Body)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // released meanwhile: the key may be free now
		}
		if err != nil {
			return nil, translate("claim idempotency key", err)
		}
		e.Created = record.FromMicros(created)
		return &e, nil
	}
	return nil, fmt.Errorf("postgres: claim idempotency key: still contended after %d attempts", claimAttempts)
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
	tag, err := s.pool.Exec(ctx, `UPDATE idempotency_keys SET done = true, status = $1, content_type = $2, body = $3
		WHERE account_id = $4 AND livemode = $5 AND key = $6 AND created = $7`,
		rec.Status, rec.ContentType, body, rec.Scope.AccountID, rec.Scope.Livemode, rec.Key, micros(rec.Created))
	return oneRow("finish idempotency key", tag, err)
}

// ReleaseIdempotencyKey deletes the record rec claimed, identified by its
// Created time, if it is still in flight.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys
		WHERE account_id = $1 AND livemode = $2 AND key = $3 AND created = $4 AND NOT done`,
		rec.Scope.AccountID, rec.Scope.Livemode, rec.Key, micros(rec.Created))
	return translate("release idempotency key", err)
}

// PruneIdempotencyKeys deletes in batches, each its own short transaction,
// so a large backlog never holds many row locks or bloats one transaction.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, before time.Time) error {
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE (account_id, livemode, key) IN (
			SELECT account_id, livemode, key FROM idempotency_keys WHERE created < $1 LIMIT $2)`,
			micros(before), pruneBatch)
		if err != nil {
			return translate("prune idempotency keys", err)
		}
		if tag.RowsAffected() < pruneBatch {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// pruneBatch is how many records one prune statement deletes at most.
const pruneBatch = 1000
