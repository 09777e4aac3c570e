-- Schema version 1: the whole schema of the PostgreSQL store.
--
-- Every table keeps the columns that lists filter, order or compare-and-set
-- on, plus the whole object as JSON in data (bytea: the exact bytes written,
-- which the session decode cache keys on, and no JSON parsing on the server).
-- Times are unix microseconds (bigint), the precision every store keeps; the
-- zero time is stored as its own microsecond count, so comparisons with it
-- need no NULLs. seq, a bigserial, is the insertion order: lists page on it,
-- never on timestamps, which need not be distinct.

-- checkoutd_require raises state (a SQLSTATE: CK409 is a lost
-- compare-and-set, CK404 a missing object) unless ok. A write that spans
-- several statements is sent as one pipelined batch, which PostgreSQL runs
-- as one implicit transaction; an error in any statement rolls all of it
-- back. A compare-and-set that matched no row is not an error by itself, so
-- its statement calls this to make it one.
CREATE FUNCTION checkoutd_require(ok boolean, state text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION 'checkoutd: precondition failed (%)', state USING ERRCODE = state;
    END IF;
    RETURN true;
END
$$;

-- Accounts keep their fields as JSON so new domain fields need no
-- migration; nothing filters on them.
CREATE TABLE accounts (
    id   text      PRIMARY KEY,
    seq  bigserial NOT NULL,
    data bytea     NOT NULL
);

CREATE TABLE api_keys (
    id         text    PRIMARY KEY,
    account_id text    NOT NULL REFERENCES accounts (id),
    livemode   boolean NOT NULL,
    hash       bytea   NOT NULL UNIQUE,
    hint       text    NOT NULL,
    created    bigint  NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Sessions. The filter indexes start with the scope and end with seq, so a
-- filtered page is a range scan that stops after limit+1 rows however many
-- sessions are stored. The optional fields are indexed only where set.
CREATE TABLE sessions (
    id             text      PRIMARY KEY,
    seq            bigserial NOT NULL,
    account_id     text      NOT NULL,
    livemode       boolean   NOT NULL,
    status         text      NOT NULL,
    expires_at     bigint    NOT NULL,
    created        bigint    NOT NULL,
    customer       text      NOT NULL,
    payment        text      NOT NULL,
    customer_email text      NOT NULL,
    version        bigint    NOT NULL,
    data           bytea     NOT NULL
);
CREATE INDEX sessions_scope ON sessions (account_id, livemode, seq);
CREATE INDEX sessions_status ON sessions (account_id, livemode, status, seq);
CREATE INDEX sessions_customer ON sessions (account_id, livemode, customer, seq) WHERE customer <> '';
CREATE INDEX sessions_payment ON sessions (account_id, livemode, payment, seq) WHERE payment <> '';
CREATE INDEX sessions_customer_email ON sessions (account_id, livemode, customer_email, seq) WHERE customer_email <> '';
-- The expiry sweeper's queue: only sessions stored as open, earliest first.
CREATE INDEX sessions_due ON sessions (expires_at, seq) WHERE status = 'open';

-- Payments. due is the deadline of a payment awaiting the customer (a
-- multibanco voucher), 0 when there is none, so the sweeper finds unpaid
-- vouchers without reading every payment.
CREATE TABLE payments (
    id         text      PRIMARY KEY,
    seq        bigserial NOT NULL,
    account_id text      NOT NULL,
    livemode   boolean   NOT NULL,
    session_id text      NOT NULL,
    status     text      NOT NULL,
    created    bigint    NOT NULL,
    due        bigint    NOT NULL,
    version    bigint    NOT NULL,
    data       bytea     NOT NULL
);
CREATE INDEX payments_scope ON payments (account_id, livemode, seq);
CREATE INDEX payments_session ON payments (account_id, livemode, session_id, seq);
CREATE INDEX payments_due ON payments (due, seq) WHERE status = 'requires_action' AND due > 0;

-- Events, which are also the outbox: an event is written undispatched with
-- the change it records; a dispatcher leases it (lease_until) and, having
-- fanned it out into deliveries, marks it dispatched.
CREATE TABLE events (
    id          text      PRIMARY KEY,
    seq         bigserial NOT NULL,
    account_id  text      NOT NULL,
    livemode    boolean   NOT NULL,
    type        text      NOT NULL,
    object_id   text      NOT NULL,
    created     bigint    NOT NULL,
    dispatched  boolean   NOT NULL DEFAULT false,
    lease_until bigint    NOT NULL DEFAULT 0,
    data        bytea     NOT NULL
);
CREATE INDEX events_scope ON events (account_id, livemode, seq);
CREATE INDEX events_type ON events (account_id, livemode, type, seq);
CREATE INDEX events_object ON events (account_id, livemode, object_id, seq);
-- The dispatchers' queue: only undispatched events, oldest first. It stays
-- small however many events are kept.
CREATE INDEX events_undispatched ON events (seq) WHERE NOT dispatched;

-- Idempotency records, one per (scope, key).
CREATE TABLE idempotency_keys (
    account_id   text    NOT NULL,
    livemode     boolean NOT NULL,
    key          text    NOT NULL,
    fingerprint  text    NOT NULL,
    created      bigint  NOT NULL,
    done         boolean NOT NULL,
    status       integer NOT NULL,
    content_type text    NOT NULL,
    body         bytea   NOT NULL,
    PRIMARY KEY (account_id, livemode, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

CREATE TABLE webhook_endpoints (
    id         text      PRIMARY KEY,
    seq        bigserial NOT NULL,
    account_id text      NOT NULL,
    livemode   boolean   NOT NULL,
    disabled   boolean   NOT NULL,
    version    bigint    NOT NULL,
    data       bytea     NOT NULL
);
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (account_id, livemode, seq);

-- One row per (event, endpoint) delivery. A delivery is due when it is
-- pending, next_at <= now and lease_until <= now. A claim changes only
-- lease_until and version, so those two columns, not data, are what a
-- delivery's LeaseUntil and Version are.
CREATE TABLE webhook_deliveries (
    id          text      PRIMARY KEY,
    seq         bigserial NOT NULL,
    account_id  text      NOT NULL,
    livemode    boolean   NOT NULL,
    event_id    text      NOT NULL,
    endpoint_id text      NOT NULL,
    status      text      NOT NULL,
    next_at     bigint    NOT NULL,
    lease_until bigint    NOT NULL,
    version     bigint    NOT NULL,
    data        bytea     NOT NULL
);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, seq);
-- The delivery workers' queue: only pending deliveries, earliest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at, seq) WHERE status = 'pending';
-- Deleting an endpoint deletes its pending deliveries.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id) WHERE status = 'pending';
