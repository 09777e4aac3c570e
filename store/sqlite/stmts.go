package sqlite

import "database/sql"

// writeStmts are prepared once on the writer connection. Inside a
// transaction they are used through tx.StmtContext, which reuses the
// connection's prepared statement rather than parsing again.
type writeStmts struct {
	insertAccount, insertKey             *sql.Stmt
	insertSession, updateSession         *sql.Stmt
	insertPayment, updatePayment         *sql.Stmt
	insertEvent                          *sql.Stmt
	insertObject, updateObject           *sql.Stmt
	deleteObjectKeys, insertObjectKey    *sql.Stmt
	claimKey, getKey, finishKey, freeKey *sql.Stmt
	pruneKeys                            *sql.Stmt

	insertEndpoint, updateEndpoint, deleteEndpoint *sql.Stmt
	deletePendingDeliveries                        *sql.Stmt
	claimableEvents, leaseEvent                    *sql.Stmt
	dispatchEvent, eventExists                     *sql.Stmt
	insertDelivery, updateDelivery                 *sql.Stmt
	claimableDeliveries, leaseDelivery             *sql.Stmt

	// A write's own savepoint in a shared transaction (see batch.go).
	savepoint, rollbackTo, release *sql.Stmt
}

func (w *writeStmts) defs() []stmtDef {
	return []stmtDef{
		{&w.savepoint, `SAVEPOINT w`},
		{&w.rollbackTo, `ROLLBACK TO w`},
		{&w.release, `RELEASE w`},
		{&w.insertAccount, `INSERT INTO accounts (id, data) VALUES (?, ?)`},
		{&w.insertKey, `INSERT INTO api_keys (id, account_id, livemode, hash, hint, created) VALUES (?, ?, ?, ?, ?, ?)`},
		{&w.insertSession, `INSERT INTO sessions (id, account_id, livemode, status, expires_at, created,
			customer, payment, customer_email, version, data, payment_link) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.updateSession, `UPDATE sessions SET status = ?, expires_at = ?, customer = ?, payment = ?,
			customer_email = ?, version = ?, data = ?
			WHERE id = ? AND account_id = ? AND livemode = ? AND version = ?`},
		{&w.insertPayment, `INSERT INTO payments (id, account_id, livemode, session_id, status, created,
			version, data, due, provider, provider_ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.updatePayment, `UPDATE payments SET session_id = ?, status = ?, version = ?, data = ?, due = ?,
			provider = ?, provider_ref = ?
			WHERE id = ? AND account_id = ? AND livemode = ? AND version = ?`},
		{&w.insertEvent, `INSERT INTO events (id, account_id, livemode, type, object_id, created, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&w.insertObject, `INSERT INTO objects (kind, id, account_id, livemode, version, created, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&w.updateObject, `UPDATE objects SET version = ?, data = ?
			WHERE kind = ? AND id = ? AND account_id = ? AND livemode = ? AND version = ?`},
		{&w.deleteObjectKeys, `DELETE FROM object_keys WHERE kind = ? AND id = ?`},
		{&w.insertObjectKey, `INSERT INTO object_keys (kind, key, id) VALUES (?, ?, ?)`},
		// The upsert replaces only a record that is no longer live (see
		// checkout.Store.ClaimIdempotencyKey); a live one is left as is and
		// the statement changes no row.
		{&w.claimKey, `INSERT INTO idempotency_keys (account_id, livemode, key, fingerprint, created,
			done, status, content_type, body) VALUES (?, ?, ?, ?, ?, 0, 0, '', X'')
			ON CONFLICT (account_id, livemode, key) DO UPDATE SET
				fingerprint = excluded.fingerprint, created = excluded.created,
				done = 0, status = 0, content_type = '', body = X''
			WHERE idempotency_keys.created < ?
				OR (idempotency_keys.done = 0 AND idempotency_keys.created < ?)`},
		{&w.getKey, `SELECT fingerprint, created, done, status, content_type, body FROM idempotency_keys
			WHERE account_id = ? AND livemode = ? AND key = ?`},
		{&w.finishKey, `UPDATE idempotency_keys SET done = 1, status = ?, content_type = ?, body = ?
			WHERE account_id = ? AND livemode = ? AND key = ? AND created = ?`},
		{&w.freeKey, `DELETE FROM idempotency_keys
			WHERE account_id = ? AND livemode = ? AND key = ? AND created = ? AND done = 0`},
		// Pruning goes in batches so that a large backlog never holds the
		// write lock for long.
		{&w.pruneKeys, `DELETE FROM idempotency_keys WHERE seq IN (
			SELECT seq FROM idempotency_keys WHERE created < ? LIMIT ?)`},

		// Webhooks (webhook.go).
		// The count limit is part of the insert: a full scope inserts no
		// row (see CreateEndpoint).
		{&w.insertEndpoint, `INSERT INTO webhook_endpoints (id, account_id, livemode, disabled, version, data)
			SELECT ?, ?, ?, ?, ?, ?
			WHERE (SELECT count(*) FROM webhook_endpoints WHERE account_id = ? AND livemode = ?) < ?`},
		{&w.updateEndpoint, `UPDATE webhook_endpoints SET disabled = ?, version = ?, data = ?
			WHERE id = ? AND account_id = ? AND livemode = ? AND version = ?`},
		{&w.deleteEndpoint, `DELETE FROM webhook_endpoints WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&w.deletePendingDeliveries, `DELETE FROM webhook_deliveries
			WHERE endpoint_id = ? AND status = 'pending' AND account_id = ? AND livemode = ?`},
		// The outbox queue, read inside the claiming transaction.
		{&w.claimableEvents, `SELECT seq, data FROM events WHERE dispatched = 0 AND lease_until <= ?
			ORDER BY seq LIMIT ?`},
		{&w.leaseEvent, `UPDATE events SET lease_until = ? WHERE seq = ? AND dispatched = 0 AND lease_until <= ?`},
		{&w.dispatchEvent, `UPDATE events SET dispatched = 1, lease_until = 0 WHERE id = ? AND dispatched = 0`},
		{&w.eventExists, `SELECT 1 FROM events WHERE id = ?`},
		{&w.insertDelivery, `INSERT INTO webhook_deliveries (id, account_id, livemode, event_id, endpoint_id,
			status, next_at, lease_until, version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&w.updateDelivery, `UPDATE webhook_deliveries SET status = ?, next_at = ?, lease_until = ?, version = ?, data = ?
			WHERE id = ? AND account_id = ? AND livemode = ? AND version = ?`},
		{&w.claimableDeliveries, `SELECT data FROM webhook_deliveries
			WHERE status = 'pending' AND next_at <= ? AND lease_until <= ?
			ORDER BY next_at, seq LIMIT ?`},
		{&w.leaseDelivery, `UPDATE webhook_deliveries SET lease_until = ?, version = ?, data = ?
			WHERE id = ? AND version = ? AND status = 'pending' AND lease_until <= ?`},
	}
}

// readStmts are prepared once on the read pool (and lazily on each of its
// connections by database/sql).
type readStmts struct {
	getAccount, listAccounts, findKey   *sql.Stmt
	getSession, findSession, sessionSeq *sql.Stmt
	paymentByRef                        *sql.Stmt
	dueSessions                         *sql.Stmt
	duePayments                         *sql.Stmt
	pendingPayments, pendingSeq         *sql.Stmt
	getPayment, findPayment, paymentSeq *sql.Stmt
	getEvent, eventSeq                  *sql.Stmt
	getEndpoint, endpointSeq            *sql.Stmt
	endpointsFor, listDeliveries        *sql.Stmt
	getObject, findObject, objectSeq    *sql.Stmt
}

func (r *readStmts) defs() []stmtDef {
	return []stmtDef{
		{&r.getAccount, `SELECT data FROM accounts WHERE id = ?`},
		{&r.listAccounts, `SELECT data FROM accounts ORDER BY seq`},
		{&r.findKey, `SELECT ` + keyColumns + ` FROM api_keys WHERE hash = ?`},
		{&r.getSession, `SELECT data FROM sessions WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.findSession, `SELECT data FROM sessions WHERE id = ?`},
		// The "<> ''" term repeats the partial index's condition so
		// SQLite may use it.
		{&r.paymentByRef, `SELECT data FROM payments WHERE provider = ? AND provider_ref = ? AND provider_ref <> ''
			ORDER BY seq DESC LIMIT 1`},
		{&r.sessionSeq, `SELECT seq FROM sessions WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.dueSessions, `SELECT data FROM sessions WHERE status = 'open' AND expires_at <= ?
			ORDER BY expires_at, seq LIMIT ?`},
		{&r.getPayment, `SELECT data FROM payments WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.findPayment, `SELECT data FROM payments WHERE id = ?`},
		{&r.duePayments, `SELECT data FROM payments WHERE due > 0 AND due <= ?
			ORDER BY due LIMIT ?`},
		{&r.paymentSeq, `SELECT seq FROM payments WHERE id = ? AND account_id = ? AND livemode = ?`},
		// The status term repeats the partial index payments_pending's
		// condition so SQLite may use it.
		{&r.pendingPayments, `SELECT data FROM payments WHERE provider = ? AND livemode = ? AND seq > ?
			AND (status NOT IN ('succeeded', 'failed', 'canceled') OR due > 0) ORDER BY seq LIMIT ?`},
		{&r.pendingSeq, `SELECT seq FROM payments WHERE id = ? AND provider = ? AND livemode = ?`},
		{&r.getEvent, `SELECT data FROM events WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.eventSeq, `SELECT seq FROM events WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.getEndpoint, `SELECT data FROM webhook_endpoints WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.endpointSeq, `SELECT seq FROM webhook_endpoints WHERE id = ? AND account_id = ? AND livemode = ?`},
		{&r.endpointsFor, `SELECT data FROM webhook_endpoints WHERE account_id = ? AND livemode = ? AND disabled = 0
			ORDER BY seq`},
		{&r.getObject, `SELECT data FROM objects WHERE kind = ? AND id = ? AND account_id = ? AND livemode = ?`},
		{&r.findObject, `SELECT o.data FROM object_keys k JOIN objects o ON o.kind = k.kind AND o.id = k.id
			WHERE k.kind = ? AND k.key = ?`},
		// The cursor's arguments come first (see cursor).
		{&r.objectSeq, `SELECT seq FROM objects WHERE id = ? AND account_id = ? AND livemode = ? AND kind = ?`},
		{&r.listDeliveries, `SELECT data FROM webhook_deliveries WHERE event_id = ? AND account_id = ? AND livemode = ?
			ORDER BY seq`},
	}
}
