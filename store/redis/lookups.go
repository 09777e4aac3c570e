package redis

import (
	"context"
	"fmt"
	"strings"
)

// indexOldLookups gives the payments written before the store kept the
// lookup by provider reference (P payment-ref:…, see lua/prelude.lua) their
// entries, once per prefix: the marker key P lookups-indexed says it
// was done. Writes from older binaries running meanwhile are indexed by
// nobody; a rolling upgrade should not run old and new side by side for
// long, and a restart after it indexes any such object.
func (s *Store) indexOldLookups(ctx context.Context) error {
	marker := s.k.p + "lookups-indexed"
	if n, err := s.c.Exists(ctx, marker).Result(); err != nil || n == 1 {
		return err
	}
	prefix := s.k.p + "payment:"
	iter := s.c.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		id := strings.TrimPrefix(iter.Val(), prefix)
		if err := s.run(ctx, indexLookupsScript, id).Err(); err != nil {
			return fmt.Errorf("redis: index payment lookups: %w", err)
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("redis: index payment lookups: %w", err)
	}
	return s.c.Set(ctx, marker, "1", 0).Err()
}

// indexOldPending puts the payments written before the store kept the
// pending sets (P payments-pending:…, see lua/prelude.lua) that are not final
// or have a check due in their provider's set, once per prefix: the marker key P
// pending-indexed says it was done. As with indexOldLookups, a payment an
// older binary writes during a rolling upgrade is not indexed until the
// marker is deleted and a Store opens again.
func (s *Store) indexOldPending(ctx context.Context) error {
	marker := s.k.p + "pending-indexed"
	if n, err := s.c.Exists(ctx, marker).Result(); err != nil || n == 1 {
		return err
	}
	prefix := s.k.p + "payment:"
	iter := s.c.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		id := strings.TrimPrefix(iter.Val(), prefix)
		if err := s.run(ctx, indexPendingScript, id).Err(); err != nil {
			return fmt.Errorf("redis: index pending payments: %w", err)
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("redis: index pending payments: %w", err)
	}
	return s.c.Set(ctx, marker, "1", 0).Err()
}
