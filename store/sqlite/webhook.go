package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
)

// Webhook endpoints, the outbox of events and their deliveries. Every claim
// runs in one IMMEDIATE transaction: the candidates are read and leased
// under the write lock, which is held across processes sharing the file, so
// two claimers never get the same row; the UPDATEs repeat the lease
// condition anyway, so a row is leased only if it is still free.

// CreateEndpoint stores e as version 1 (and sets e.Version to 1) unless
// its scope holds max endpoints already. The count is taken by the insert
// statement itself, in a write transaction, which holds the file's one
// write lock across processes: no other create can come between the count
// and the new row.
func (s *Store) CreateEndpoint(ctx context.Context, e *checkout.WebhookEndpoint, max int) error {
	e.Version = 1
	data, err := record.EncodeEndpoint(e)
	if err != nil {
		return err
	}
	return s.submit(&writeReq{ctx: ctx, oneStatement: true, fn: func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.insertEndpoint).ExecContext(ctx,
			e.ID, e.AccountID, e.Livemode, e.Disabled, e.Version, data, e.AccountID, e.Livemode, max)
		if err != nil {
			return translate("create webhook endpoint", err) // a taken id: ErrConflict
		}
		n, err := res.RowsAffected()
		if err != nil {
			return translate("create webhook endpoint", err)
		}
		if n == 0 {
			return checkout.ErrLimit
		}
		return nil
	}})
}

// GetEndpoint returns the endpoint with id in scope.
func (s *Store) GetEndpoint(ctx context.Context, scope checkout.Scope, id string) (*checkout.WebhookEndpoint, error) {
	var data []byte
	if err := s.rs.getEndpoint.QueryRowContext(ctx, id, scope.AccountID, scope.Livemode).Scan(&data); err != nil {
		return nil, translate("get webhook endpoint", err)
	}
	return record.DecodeEndpoint(data)
}

// ListEndpoints pages the scope's endpoints on seq, like ListSessions.
func (s *Store) ListEndpoints(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.WebhookEndpoint], error) {
	c, err := s.cursor(ctx, s.rs.endpointSeq, scope, p, "webhook_endpoint")
	if err != nil {
		return checkout.Page[*checkout.WebhookEndpoint]{}, err
	}
	query, args := endpointQuery(scope, p, c)
	return list(ctx, s, query, args, p, record.DecodeEndpoint)
}

// endpointQuery is the SQL of one page of endpoints (see pageQuery).
func endpointQuery(scope checkout.Scope, p checkout.ListParams, c cursor) (string, []any) {
	var q strings.Builder
	args := make([]any, 0, 4)
	q.WriteString("SELECT data FROM webhook_endpoints WHERE account_id = ? AND livemode = ?")
	args = append(args, scope.AccountID, scope.Livemode)
	return pageQuery(&q, args, c, p.Limit)
}

// UpdateEndpoint writes e if the stored version is e.Version-1.
func (s *Store) UpdateEndpoint(ctx context.Context, e *checkout.WebhookEndpoint) error {
	data, err := record.EncodeEndpoint(e)
	if err != nil {
		return err
	}
	res, err := s.ws.updateEndpoint.ExecContext(ctx, e.Disabled, e.Version, data,
		e.ID, e.AccountID, e.Livemode, e.Version-1)
	return oneRow("update webhook endpoint", res, err)
}

// DeleteEndpoint deletes the endpoint and its pending deliveries in one
// transaction; delivered and failed ones stay, as the events' history.
func (s *Store) DeleteEndpoint(ctx context.Context, scope checkout.Scope, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.deleteEndpoint).ExecContext(ctx, id, scope.AccountID, scope.Livemode)
		if err := oneRow("delete webhook endpoint", res, err); errors.Is(err, checkout.ErrConflict) {
			return checkout.ErrNotFound
		} else if err != nil {
			return err
		}
		_, err = tx.StmtContext(ctx, s.ws.deletePendingDeliveries).ExecContext(ctx, id, scope.AccountID, scope.Livemode)
		return translate("delete webhook deliveries", err)
	})
}

// EndpointsFor returns the scope's enabled endpoints, oldest first.
func (s *Store) EndpointsFor(ctx context.Context, scope checkout.Scope) ([]*checkout.WebhookEndpoint, error) {
	rows, err := s.rs.endpointsFor.QueryContext(ctx, scope.AccountID, scope.Livemode)
	return scanAll(rows, err, "endpoints for", record.DecodeEndpoint)
}

// ClaimEvents leases up to limit undispatched events whose lease has
// lapsed, oldest first.
func (s *Store) ClaimEvents(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*checkout.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*checkout.Event
	err := s.write(ctx, func(tx *sql.Tx) error {
		type candidate struct {
			seq  int64
			data []byte
		}
		var cands []candidate
		rows, err := tx.StmtContext(ctx, s.ws.claimableEvents).QueryContext(ctx, micros(now), limit)
		if err != nil {
			return translate("claim events", err)
		}
		for rows.Next() {
			var c candidate
			if err := rows.Scan(&c.seq, &c.data); err != nil {
				rows.Close()
				return translate("claim events", err)
			}
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate("claim events", err)
		}
		lease := tx.StmtContext(ctx, s.ws.leaseEvent)
		for _, c := range cands {
			res, err := lease.ExecContext(ctx, micros(leaseUntil), c.seq, micros(now))
			if err := oneRow("lease event", res, err); errors.Is(err, checkout.ErrConflict) {
				continue // taken meanwhile; cannot happen under the write lock
			} else if err != nil {
				return err
			}
			e, err := record.DecodeEvent(c.data)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Dispatch marks the event dispatched and inserts its deliveries (each as
// version 1, setting its Version) in one transaction.
func (s *Store) Dispatch(ctx context.Context, eventID string, deliveries []*checkout.Delivery) error {
	for _, d := range deliveries {
		if d.EventID != eventID {
			return fmt.Errorf("sqlite: dispatch %s: delivery %s is of event %q", eventID, d.ID, d.EventID)
		}
	}
	data, err := encodeNewDeliveries(deliveries)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.dispatchEvent).ExecContext(ctx, eventID)
		if err := oneRow("dispatch event", res, err); errors.Is(err, checkout.ErrConflict) {
			var one int
			err := tx.StmtContext(ctx, s.ws.eventExists).QueryRowContext(ctx, eventID).Scan(&one)
			if err == nil {
				return checkout.ErrConflict // dispatched already
			}
			return translate("dispatch event", err)
		} else if err != nil {
			return err
		}
		return insertDeliveries(ctx, tx.StmtContext(ctx, s.ws.insertDelivery), deliveries, data)
	})
}

// ClaimDeliveries leases up to limit due deliveries, earliest first, each
// with a compare-and-set on its version.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*checkout.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*checkout.Delivery
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.StmtContext(ctx, s.ws.claimableDeliveries).QueryContext(ctx, micros(now), micros(now), limit)
		cands, err := scanAll(rows, err, "claim deliveries", record.DecodeDelivery)
		if err != nil {
			return err
		}
		lease := tx.StmtContext(ctx, s.ws.leaseDelivery)
		for _, d := range cands {
			d.LeaseUntil = record.UTC(leaseUntil)
			d.Version++
			data, err := record.EncodeDelivery(d)
			if err != nil {
				return err
			}
			res, err := lease.ExecContext(ctx, micros(leaseUntil), d.Version, data, d.ID, d.Version-1, micros(now))
			if err := oneRow("lease delivery", res, err); errors.Is(err, checkout.ErrConflict) {
				continue // taken meanwhile; cannot happen under the write lock
			} else if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDelivery writes d if the stored version is d.Version-1. It goes
// through the group commit (see write): every finished attempt ends with one,
// and a busy delivery worker finishes many at once, which then share a
// commit instead of paying one each (that commit was most of the worker's
// CPU). A failed version check fails alone, in its savepoint.
func (s *Store) UpdateDelivery(ctx context.Context, d *checkout.Delivery) error {
	data, err := record.EncodeDelivery(d)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, s.ws.updateDelivery).ExecContext(ctx, string(d.Status), micros(d.NextAt), micros(d.LeaseUntil),
			d.Version, data, d.ID, d.AccountID, d.Livemode, d.Version-1)
		return oneRow("update delivery", res, err)
	})
}

// InsertDeliveries stores ds, each as version 1 (setting its Version), all
// or none.
func (s *Store) InsertDeliveries(ctx context.Context, ds []*checkout.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	data, err := encodeNewDeliveries(ds)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		return insertDeliveries(ctx, tx.StmtContext(ctx, s.ws.insertDelivery), ds, data)
	})
}

// ListDeliveries returns the event's deliveries in scope, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, scope checkout.Scope, eventID string) ([]*checkout.Delivery, error) {
	rows, err := s.rs.listDeliveries.QueryContext(ctx, eventID, scope.AccountID, scope.Livemode)
	out, err := scanAll(rows, err, "list deliveries", record.DecodeDelivery)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*checkout.Delivery{}
	}
	return out, nil
}

// encodeNewDeliveries sets the version of ds to 1 and encodes them.
func encodeNewDeliveries(ds []*checkout.Delivery) ([][]byte, error) {
	out := make([][]byte, len(ds))
	for i, d := range ds {
		d.Version = 1
		var err error
		if out[i], err = record.EncodeDelivery(d); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// insertDeliveries inserts ds, whose JSON is data, with the statement of
// the caller's transaction.
func insertDeliveries(ctx context.Context, st *sql.Stmt, ds []*checkout.Delivery, data [][]byte) error {
	for i, d := range ds {
		_, err := st.ExecContext(ctx, d.ID, d.AccountID, d.Livemode, d.EventID, d.EndpointID,
			string(d.Status), micros(d.NextAt), micros(d.LeaseUntil), d.Version, data[i])
		if err != nil {
			return translate("insert delivery", err)
		}
	}
	return nil
}
