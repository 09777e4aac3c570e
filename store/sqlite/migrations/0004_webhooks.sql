-- Schema version 4: webhooks. Endpoints and deliveries keep the whole object
-- as JSON in data, plus the columns that are filtered, ordered or
-- compared-and-set on.
CREATE TABLE webhook_endpoints (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account_id TEXT    NOT NULL,
    livemode   INTEGER NOT NULL,
    disabled   INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    data       BLOB    NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (account_id, livemode, seq);

-- One row per (event, endpoint) delivery. next_at and lease_until are unix
-- microseconds; a delivery is due when it is pending, next_at <= now and
-- lease_until <= now.
CREATE TABLE webhook_deliveries (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    account_id  TEXT    NOT NULL,
    livemode    INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    endpoint_id TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    next_at     INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    data        BLOB    NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, seq);
-- The delivery workers' queue: only pending deliveries, earliest first (the
-- index ends with the rowid, seq, which breaks ties).
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
-- Deleting an endpoint deletes its pending deliveries.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id) WHERE status = 'pending';

-- The outbox: an event is written undispatched with the change it records;
-- a dispatcher leases it (lease_until) and, having fanned it out into
-- deliveries, marks it dispatched.
ALTER TABLE events ADD COLUMN dispatched INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
-- Events stored before this version predate webhooks: no endpoint existed
-- to receive them, so they are not sent now.
UPDATE events SET dispatched = 1;
CREATE INDEX events_undispatched ON events (seq) WHERE dispatched = 0;
