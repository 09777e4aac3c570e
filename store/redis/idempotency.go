package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	goredis "github.com/redis/go-redis/v9"
)

// Idempotency records are hashes that expire IdempotencyTTL after they are
// claimed. The liveness rules (checkout.Store.ClaimIdempotencyKey) compare
// the callers' times, which the scripts do; the expiry only frees memory.

// idemID names a record: its scope and key.
func idemID(scope checkout.Scope, key string) string {
	return scope.AccountID + ":" + mode(scope.Livemode) + ":" + key
}

// ClaimIdempotencyKey stores rec as in flight unless a live record exists,
// in one script, and otherwise returns that record.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) (*checkout.IdempotencyRecord, error) {
	res, err := s.run(ctx, idemClaimScript, idemID(rec.Scope, rec.Key), rec.Fingerprint, micros(rec.Created),
		micros(rec.Created.Add(-checkout.IdempotencyTTL)), micros(rec.Created.Add(-checkout.IdempotencyLockTTL)),
		checkout.IdempotencyTTL.Milliseconds()).StringSlice()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	} else if err != nil {
		return nil, translate("claim idempotency key", err)
	}
	if len(res) != 6 {
		return nil, errors.New("redis: claim idempotency key: malformed record")
	}
	created, err := fromMicros(res[1])
	if err != nil {
		return nil, err
	}
	status, err := strconv.Atoi(res[3])
	if err != nil {
		return nil, errors.New("redis: claim idempotency key: malformed status")
	}
	return &checkout.IdempotencyRecord{
		Scope:       rec.Scope,
		Key:         rec.Key,
		Fingerprint: res[0],
		Created:     created,
		Done:        res[2] == "1",
		Status:      status,
		ContentType: res[4],
		Body:        []byte(res[5]),
	}, nil
}

// FinishIdempotencyKey saves rec's response into the record rec claimed,
// identified by its Created time; if a later claim has replaced it, nothing
// is written and the answer is ErrConflict.
func (s *Store) FinishIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	body := rec.Body
	if body == nil {
		body = []byte{}
	}
	err := s.run(ctx, idemFinishScript, idemID(rec.Scope, rec.Key), micros(rec.Created),
		rec.Status, rec.ContentType, body).Err()
	return translate("finish idempotency key", err)
}

// ReleaseIdempotencyKey deletes the record rec claimed, identified by its
// Created time, if it is still in flight.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, rec *checkout.IdempotencyRecord) error {
	return translate("release idempotency key", s.run(ctx, idemReleaseScript, idemID(rec.Scope, rec.Key), micros(rec.Created)).Err())
}

// PruneIdempotencyKeys deletes in batches, each its own script, so that
// other clients' commands interleave with a large prune.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, before time.Time) error {
	for {
		n, err := s.run(ctx, idemPruneScript, micros(before), pruneBatch).Int()
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

// pruneBatch is how many records one prune script deletes at most.
const pruneBatch = 1000
