package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

// The outbox: events are claimed for fan-out, deliveries for sending, each
// with one UPDATE of the rows its subquery picked and locked with FOR
// UPDATE SKIP LOCKED. A row another claimer has locked is skipped rather
// than waited for, and a row it has just leased fails the lease condition
// when re-checked under the lock, so concurrent claimers, in one process or
// many, never get the same row while its lease is live; nor do they queue
// behind each other. RETURNING does not keep the subquery's order, so the
// rows are sorted again here. The outer UPDATE finds the picked rows by
// their primary key.
//
// Insertion order is seq, drawn when a row is inserted; a transaction that
// commits late can make a lower seq visible after higher ones were claimed.
// That only reorders fan-out slightly: receivers order an object's events
// by Sequence, never by arrival.

// ClaimEvents leases up to limit undispatched events whose lease has
// lapsed, oldest (first inserted) first.
func (s *Store) ClaimEvents(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*checkout.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `UPDATE events SET lease_until = $2 WHERE id IN (
			SELECT id FROM events WHERE NOT dispatched AND lease_until <= $1
			ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING seq, data`, micros(now), micros(leaseUntil), limit)
	type claimed struct {
		seq int64
		e   *checkout.Event
	}
	var got []claimed
	var data []byte
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.seq, &data); err != nil {
			rows.Close()
			return nil, translate("claim events", err)
		}
		var err error
		if c.e, err = record.DecodeEvent(data); err != nil {
			rows.Close()
			return nil, err
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("claim events", err)
	}
	slices.SortFunc(got, func(a, b claimed) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*checkout.Event, len(got))
	for i, c := range got {
		out[i] = c.e
	}
	return out, nil
}

// dispatchEvent marks the event dispatched; if it cannot, because the event
// is missing (CK404) or dispatched already (CK409), it aborts the batch.
const dispatchEvent = `WITH u AS (
		UPDATE events SET dispatched = true, lease_until = 0 WHERE id = $1 AND NOT dispatched RETURNING 1)
	SELECT checkoutd_require(EXISTS (SELECT 1 FROM u),
		CASE WHEN EXISTS (SELECT 1 FROM events WHERE id = $1) THEN 'CK409' ELSE 'CK404' END)`

// Dispatch marks the event dispatched and inserts its deliveries (each as
// version 1, setting its Version) in one batch, one implicit transaction.
// Of two workers dispatching one event (the first's lease lapsed), the
// second waits for the first's row lock and then finds the event
// dispatched: its batch fails at the first statement and inserts nothing.
func (s *Store) Dispatch(ctx context.Context, eventID string, deliveries []*checkout.Delivery) error {
	for _, d := range deliveries {
		if d.EventID != eventID {
			return fmt.Errorf("postgres: dispatch %s: delivery %s is of event %q", eventID, d.ID, d.EventID)
		}
	}
	if !held(eventID) {
		return checkout.ErrNotFound
	}
	b := &pgx.Batch{}
	b.Queue(dispatchEvent, eventID)
	if err := queueDeliveries(b, deliveries); err != nil {
		return err
	}
	return s.batch(ctx, "dispatch event", b)
}

// ClaimDeliveries leases up to limit due deliveries, earliest NextAt first.
// The claim writes only the lease_until and version columns (data is left
// as the last UpdateDelivery wrote it, see decodeDelivery), so it needs no
// read before the write: one statement, one round trip.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*checkout.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `UPDATE webhook_deliveries SET lease_until = $2, version = version + 1 WHERE id IN (
			SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_at <= $1 AND lease_until <= $1
			ORDER BY next_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING next_at, seq, data, version, lease_until`, micros(now), micros(leaseUntil), limit)
	type claimed struct {
		nextAt, seq int64
		d           *checkout.Delivery
	}
	var got []claimed
	var data []byte
	var version, lease int64
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.nextAt, &c.seq, &data, &version, &lease); err != nil {
			rows.Close()
			return nil, translate("claim deliveries", err)
		}
		var err error
		if c.d, err = decodeDelivery(data, version, lease); err != nil {
			rows.Close()
			return nil, err
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("claim deliveries", err)
	}
	slices.SortFunc(got, func(a, b claimed) int {
		return cmp.Or(cmp.Compare(a.nextAt, b.nextAt), cmp.Compare(a.seq, b.seq))
	})
	out := make([]*checkout.Delivery, len(got))
	for i, c := range got {
		out[i] = c.d
	}
	return out, nil
}
