package postgres

import (
	"context"

	"github.com/checkoutd/checkoutd/checkout"
	"github.com/checkoutd/checkoutd/store/internal/record"
	"github.com/jackc/pgx/v5"
)

// Webhook endpoints, and the deliveries that the outbox (outbox.go) makes
// of events.

// CreateEndpoint stores e as version 1 (and sets e.Version to 1) unless
// its scope holds max endpoints already.
//
// At READ COMMITTED a count and an insert in one statement do not exclude
// each other: two transactions count the same rows and both insert. So the
// creates of one scope first take a transaction-level advisory lock on the
// scope (in this schema), which queues them; the count is then a statement
// of its own, whose snapshot is taken after the lock was granted and so
// sees every create that held it before. The transaction is asked for READ
// COMMITTED, whatever the server's default: at REPEATABLE READ the snapshot
// would be the first statement's, taken before the wait. The lock goes with
// the commit or rollback, so a dead process holds nothing.
func (s *Store) CreateEndpoint(ctx context.Context, e *checkout.WebhookEndpoint, max int) error {
	e.Version = 1
	data, err := record.EncodeEndpoint(e)
	if err != nil {
		return err
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(
			'checkoutd endpoints ' || coalesce(current_schema(), '') || ' ' || $1 || ' ' || $2::boolean::text, 0))`, e.AccountID, e.Livemode); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, account_id, livemode, disabled, version, data)
			SELECT $1, $2, $3, $4, $5, $6
			WHERE (SELECT count(*) FROM webhook_endpoints WHERE account_id = $2 AND livemode = $3) < $7`,
			e.ID, e.AccountID, e.Livemode, e.Disabled, e.Version, data, max)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return checkout.ErrLimit
		}
		return nil
	})
	return translate("create webhook endpoint", err)
}

// GetEndpoint returns the endpoint with id in scope.
func (s *Store) GetEndpoint(ctx context.Context, scope checkout.Scope, id string) (*checkout.WebhookEndpoint, error) {
	if !held(id) {
		return nil, checkout.ErrNotFound
	}
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM webhook_endpoints WHERE id = $1 AND account_id = $2 AND livemode = $3`,
		id, scope.AccountID, scope.Livemode).Scan(&data)
	if err != nil {
		return nil, translate("get webhook endpoint", err)
	}
	return record.DecodeEndpoint(data)
}

// ListEndpoints pages the scope's endpoints on seq, like ListSessions.
func (s *Store) ListEndpoints(ctx context.Context, scope checkout.Scope, p checkout.ListParams) (checkout.Page[*checkout.WebhookEndpoint], error) {
	return list(ctx, s, newPageQuery("webhook_endpoints", scope), p, "webhook_endpoint", record.DecodeEndpoint)
}

// UpdateEndpoint writes e if the stored version, in e's scope, is
// e.Version-1: one statement, its own compare-and-set.
func (s *Store) UpdateEndpoint(ctx context.Context, e *checkout.WebhookEndpoint) error {
	data, err := record.EncodeEndpoint(e)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_endpoints SET disabled = $1, version = $2, data = $3
		WHERE id = $4 AND account_id = $5 AND livemode = $6 AND version = $7`,
		e.Disabled, e.Version, data, e.ID, e.AccountID, e.Livemode, e.Version-1)
	return oneRow("update webhook endpoint", tag, err)
}

// DeleteEndpoint deletes the endpoint and its pending deliveries in one
// statement, so one transaction; delivered and failed deliveries stay, as
// the events' history.
func (s *Store) DeleteEndpoint(ctx context.Context, scope checkout.Scope, id string) error {
	if !held(id) {
		return checkout.ErrNotFound
	}
	var n int
	err := s.pool.QueryRow(ctx, `WITH e AS (
			DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2 AND livemode = $3 RETURNING id),
		d AS (
			DELETE FROM webhook_deliveries
			WHERE endpoint_id IN (SELECT id FROM e) AND status = 'pending' AND account_id = $2 AND livemode = $3)
		SELECT count(*) FROM e`, id, scope.AccountID, scope.Livemode).Scan(&n)
	if err != nil {
		return translate("delete webhook endpoint", err)
	}
	if n == 0 {
		return checkout.ErrNotFound
	}
	return nil
}

// EndpointsFor returns the scope's enabled endpoints, oldest first.
func (s *Store) EndpointsFor(ctx context.Context, scope checkout.Scope) ([]*checkout.WebhookEndpoint, error) {
	rows, _ := s.pool.Query(ctx, `SELECT data FROM webhook_endpoints WHERE account_id = $1 AND livemode = $2 AND NOT disabled
		ORDER BY seq`, scope.AccountID, scope.Livemode)
	return collect(rows, "endpoints for", record.DecodeEndpoint)
}

// UpdateDelivery writes d if the stored version, in d's scope, is
// d.Version-1.
func (s *Store) UpdateDelivery(ctx context.Context, d *checkout.Delivery) error {
	data, err := record.EncodeDelivery(d)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = $1, next_at = $2, lease_until = $3, version = $4, data = $5
		WHERE id = $6 AND account_id = $7 AND livemode = $8 AND version = $9`,
		string(d.Status), micros(d.NextAt), micros(d.LeaseUntil), d.Version, data, d.ID, d.AccountID, d.Livemode, d.Version-1)
	return oneRow("update delivery", tag, err)
}

// InsertDeliveries stores ds, each as version 1 (setting its Version), in
// one batch: all or none.
func (s *Store) InsertDeliveries(ctx context.Context, ds []*checkout.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	if err := queueDeliveries(b, ds); err != nil {
		return err
	}
	return s.batch(ctx, "insert deliveries", b)
}

// ListDeliveries returns the event's deliveries in scope, oldest first.
func (s *Store) ListDeliveries(ctx context.Context, scope checkout.Scope, eventID string) ([]*checkout.Delivery, error) {
	if !held(eventID) {
		return []*checkout.Delivery{}, nil
	}
	rows, _ := s.pool.Query(ctx, `SELECT data, version, lease_until FROM webhook_deliveries
		WHERE event_id = $1 AND account_id = $2 AND livemode = $3 ORDER BY seq`, eventID, scope.AccountID, scope.Livemode)
	defer rows.Close()
	out := []*checkout.Delivery{}
	var data []byte
	var version, lease int64
	for rows.Next() {
		if err := rows.Scan(&data, &version, &lease); err != nil {
			return nil, translate("list deliveries", err)
		}
		d, err := decodeDelivery(data, version, lease)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("list deliveries", err)
	}
	return out, nil
}

// queueDeliveries sets the version of ds to 1 and queues their inserts on b.
func queueDeliveries(b *pgx.Batch, ds []*checkout.Delivery) error {
	for _, d := range ds {
		d.Version = 1
		data, err := record.EncodeDelivery(d)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO webhook_deliveries (id, account_id, livemode, event_id, endpoint_id,
			status, next_at, lease_until, version, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			d.ID, d.AccountID, d.Livemode, d.EventID, d.EndpointID,
			string(d.Status), micros(d.NextAt), micros(d.LeaseUntil), d.Version, data)
	}
	return nil
}
