-- Schema version 1. Times are unix microseconds (the precision every store
-- keeps), booleans 0/1. Every table keeps its INTEGER PRIMARY KEY (the rowid,
-- "seq") as the insertion order: lists page on it, never on timestamps, which
-- need not be distinct.

-- Accounts keep their fields as JSON so new domain fields (provider settings,
-- redirect hosts) need no migration; nothing filters on them.
CREATE TABLE accounts (
    seq  INTEGER PRIMARY KEY,
    id   TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL
) STRICT;

CREATE TABLE api_keys (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account_id TEXT    NOT NULL REFERENCES accounts (id),
    livemode   INTEGER NOT NULL,
    hash       BLOB    NOT NULL UNIQUE,
    hint       TEXT    NOT NULL,
    created    INTEGER NOT NULL
) STRICT;
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Sessions: the columns lists filter and order on, plus the whole session as
-- JSON in data. The filter indexes start with the scope and end with seq, so a
-- filtered page is a range scan that stops after limit+1 rows however many
-- sessions are stored. The optional fields are indexed only where set.
CREATE TABLE sessions (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    account_id     TEXT    NOT NULL,
    livemode       INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL,
    created        INTEGER NOT NULL,
    customer       TEXT    NOT NULL,
    payment        TEXT    NOT NULL,
    customer_email TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    data           BLOB    NOT NULL
) STRICT;
CREATE INDEX sessions_scope ON sessions (account_id, livemode, seq);
CREATE INDEX sessions_status ON sessions (account_id, livemode, status, seq);
CREATE INDEX sessions_customer ON sessions (account_id, livemode, customer, seq) WHERE customer <> '';
CREATE INDEX sessions_payment ON sessions (account_id, livemode, payment, seq) WHERE payment <> '';
CREATE INDEX sessions_customer_email ON sessions (account_id, livemode, customer_email, seq) WHERE customer_email <> '';
-- The expiry sweeper's queue: only sessions stored as open, earliest first.
CREATE INDEX sessions_due ON sessions (status, expires_at) WHERE status = 'open';

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    account_id TEXT    NOT NULL,
    livemode   INTEGER NOT NULL,
    type       TEXT    NOT NULL,
    object_id  TEXT    NOT NULL,
    created    INTEGER NOT NULL,
    data       BLOB    NOT NULL
) STRICT;
CREATE INDEX events_scope ON events (account_id, livemode, seq);
CREATE INDEX events_type ON events (account_id, livemode, type, seq);
CREATE INDEX events_object ON events (account_id, livemode, object_id, seq);

CREATE TABLE idempotency_keys (
    seq          INTEGER PRIMARY KEY,
    account_id   TEXT    NOT NULL,
    livemode     INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    created      INTEGER NOT NULL,
    done         INTEGER NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    UNIQUE (account_id, livemode, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);
